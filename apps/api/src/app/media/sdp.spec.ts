import {
  looksLikeSdp,
  offerMediaSections,
  offersOpusAudio,
  offerTransportProblem,
  opusAudioIndex,
} from './sdp';

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

const FINGERPRINT = `sha-256 ${Array.from({ length: 32 }, () => 'AB').join(':')}`;
const connectable = [
  'v=0',
  'o=- 1 2 IN IP4 127.0.0.1',
  's=-',
  't=0 0',
  `a=fingerprint:${FINGERPRINT}`,
  'm=audio 9 UDP/TLS/RTP/SAVPF 111',
  'a=mid:0',
  'a=ice-ufrag:Ab+/',
  `a=ice-pwd:${'p'.repeat(22)}`,
  'a=rtpmap:111 opus/48000/2',
  'm=video 9 UDP/TLS/RTP/SAVPF 96',
  'a=mid:1',
  'a=ice-ufrag:vvvv',
  `a=ice-pwd:${'q'.repeat(22)}`,
  `a=fingerprint:sha-1 ${Array.from({ length: 20 }, () => '01').join(':')}`,
  '',
].join('\r\n');

describe(offerMediaSections.name, () => {
  it('lists each m-section with its mid, ICE credentials and fingerprints (the session level as default)', () => {
    const [audioSection, video] = offerMediaSections(connectable);
    expect(audioSection).toEqual({
      index: 0,
      kind: 'audio',
      mid: '0',
      iceUfrag: 'Ab+/',
      icePwd: 'p'.repeat(22),
      fingerprints: [{ algorithm: 'sha-256', value: FINGERPRINT.slice(8) }],
    });
    expect(video).toMatchObject({ index: 1, kind: 'video', mid: '1', iceUfrag: 'vvvv' });
    expect(video.fingerprints.map((f) => f.algorithm)).toEqual(['sha-1']);
    expect(opusAudioIndex(connectable)).toBe(0);
  });
});

describe(offerTransportProblem.name, () => {
  const problem = (sdp: string) => offerTransportProblem(offerMediaSections(sdp)[0]);

  it('accepts an offer with ICE credentials and a usable fingerprint', () => {
    expect(problem(connectable)).toBeNull();
  });

  it.each([
    [
      'no fingerprint',
      (s: string) => s.replace(/a=fingerprint:sha-256[^\r]*\r\n/, ''),
      /no a=fingerprint/,
    ],
    [
      'an md5 fingerprint',
      (s: string) => s.replace('a=fingerprint:sha-256', 'a=fingerprint:md5'),
      /uses md5; supported: sha-256/,
    ],
    [
      'a fingerprint of the wrong length',
      (s: string) => s.replace(':AB\r\n', '\r\n'),
      /not a sha-256 digest/,
    ],
    ['no ice-ufrag', (s: string) => s.replace('a=ice-ufrag:Ab+/\r\n', ''), /no a=ice-ufrag/],
    [
      'an empty ice-pwd',
      (s: string) => s.replace(`a=ice-pwd:${'p'.repeat(22)}`, 'a=ice-pwd:'),
      /a=ice-pwd is 0 characters long \(22 to 256/,
    ],
    [
      'an ice-ufrag of 3000 characters',
      (s: string) => s.replace('a=ice-ufrag:Ab+/', `a=ice-ufrag:${'u'.repeat(3000)}`),
      /a=ice-ufrag is 3000 characters long \(4 to 256/,
    ],
    [
      'an ice-pwd with spaces',
      (s: string) => s.replace(`a=ice-pwd:${'p'.repeat(22)}`, `a=ice-pwd:${'p'.repeat(21)} x`),
      /a=ice-pwd has characters other than/,
    ],
  ])('names %s', (_, mutate, reason) => {
    expect(problem(mutate(connectable))).toMatch(reason);
  });
});
