import { looksLikeSdp, offersOpusAudio } from './sdp';

const audio = [
  'v=0',
  'o=- 1 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  'm=audio 9 UDP/TLS/RTP/SAVPF 111 0',
  'a=rtpmap:111 opus/48000/2',
  'a=rtpmap:0 PCMU/8000',
  '',
].join('\r\n');

describe(offersOpusAudio.name, () => {
  it('finds Opus on an audio m-line', () => {
    expect(looksLikeSdp(audio)).toBe(true);
    expect(offersOpusAudio(audio)).toBe(true);
  });
  it('refuses video-only offers, rejected audio m-lines and audio without Opus', () => {
    expect(
      offersOpusAudio(
        audio.replace('m=audio 9 UDP/TLS/RTP/SAVPF 111 0', 'm=video 9 UDP/TLS/RTP/SAVPF 111 0'),
      ),
    ).toBe(false);
    expect(offersOpusAudio(audio.replace('m=audio 9', 'm=audio 0'))).toBe(false);
    expect(
      offersOpusAudio(audio.replace('a=rtpmap:111 opus/48000/2', 'a=rtpmap:111 G722/8000')),
    ).toBe(false);
    expect(offersOpusAudio(audio.replace('SAVPF 111 0', 'SAVPF 0'))).toBe(false);
  });
  it('refuses text that is not SDP', () => {
    expect(looksLikeSdp('hello')).toBe(false);
    expect(looksLikeSdp('v=0\r\nno media')).toBe(false);
  });
});
