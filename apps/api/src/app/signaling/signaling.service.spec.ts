import { Logger } from '@nestjs/common';
import { RTCPeerConnection, RTCRtpCodecParameters } from 'werift';
import { AudioPipelineService } from '../audio-pipeline/audio-pipeline.service';
import type { AppConfig } from '../config/app-config';
import { loadConfig } from '../config/config.schema';
import { PeerConnectionFactory } from '../media/peer-connection.factory';
import { disableWeriftDefaultStun } from '@whisperstream/werift-patches';
import type { Session } from '../sessions/session';
import { SessionService } from '../sessions/sessions.service';
import { LiveTranscriptionService } from '../live/live-transcription.service';
import { InMemoryTranscriptBus } from '../transcript-bus/in-memory-transcript-bus';
import { TranscriptionService } from '../transcription/transcription.service';
import { SignalingService } from './signaling.service';

async function offer(kind: 'audio' | 'video'): Promise<{ sdp: string; pc: RTCPeerConnection }> {
  disableWeriftDefaultStun();
  const pc = new RTCPeerConnection({
    codecs: {
      audio: [new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 })],
      video: [new RTCRtpCodecParameters({ mimeType: 'video/VP8', clockRate: 90000 })],
    },
    iceUseIpv6: false,
  });
  pc.addTransceiver(kind, { direction: 'sendonly' });
  const description = await pc.createOffer();
  await pc.setLocalDescription(description);
  return { sdp: description.sdp, pc };
}

describe(SignalingService.name, () => {
  const config = loadConfig({ ICE_HOST_ADDRESSES: '127.0.0.1' }) as AppConfig;
  const transcription = new TranscriptionService(config, {
    engine: {
      info: { id: 'e', model: 'm' },
      paid: false,
      transcribe: () => Promise.resolve({ text: '' }),
    },
  });
  const pipelines = new AudioPipelineService(config);
  const sessions = new SessionService(
    config,
    transcription,
    new LiveTranscriptionService(transcription, pipelines),
    new InMemoryTranscriptBus(config),
  );
  const sut = new SignalingService(new PeerConnectionFactory(config), pipelines, sessions, config);
  const peers: RTCPeerConnection[] = [];
  const opened: Session[] = [];
  const newSession = async () => {
    const { session } = await sessions.create({});
    opened.push(session);
    return session;
  };

  beforeAll(async () => {
    Logger.overrideLogger(false);
    await pipelines.onModuleInit(); // the default segmentation (vad) loads its model here
  });
  afterAll(async () => {
    await Promise.all(opened.map((s) => sessions.close(s, { reason: 'deleted', drainMs: 0 })));
    await Promise.all(peers.map((pc) => pc.close()));
  });

  it('answers an Opus offer with a receive-only audio answer and sends its candidates to the client', async () => {
    const session = await newSession();
    const { sdp, pc } = await offer('audio');
    peers.push(pc);
    const sent: string[] = [];
    let firstCandidate: () => void = () => undefined;
    const candidateSent = new Promise<void>((resolve) => (firstCandidate = resolve));
    session.attachSocket({
      send: (d) => {
        sent.push(d);
        if ((JSON.parse(d) as { type: string }).type === 'candidate') firstCandidate();
      },
      close: () => undefined,
    });
    const answer = await sut.answer(session, sdp);
    expect(answer.type).toBe('answer');
    expect(answer.sdp).toMatch(/m=audio [1-9]\d* /);
    expect(answer.sdp).toMatch(/a=rtpmap:\d+ opus\/48000\/2/);
    expect(answer.sdp).toContain('a=recvonly');
    expect(answer.sdp).toContain('a=setup:active');
    await candidateSent;
    const candidate = sent
      .map((d) => JSON.parse(d) as { type: string; candidate?: { candidate: string } })
      .find((m) => m.type === 'candidate');
    expect(candidate?.candidate?.candidate).toMatch(/^candidate:/);
  });

  it('refuses a second offer for the same session', async () => {
    const session = await newSession();
    const first = await offer('audio');
    const second = await offer('audio');
    peers.push(first.pc, second.pc);
    await sut.answer(session, first.sdp);
    await expect(sut.answer(session, second.sdp)).rejects.toMatchObject({
      status: 409,
      code: 'offer_already_received',
    });
  });

  it('refuses a video-only offer and one that is not SDP, and lets the client try again', async () => {
    const session = await newSession();
    const video = await offer('video');
    peers.push(video.pc);
    await expect(sut.answer(session, video.sdp)).rejects.toMatchObject({
      status: 400,
      code: 'no_audio',
    });
    await expect(sut.answer(session, 'v=0\r\nnonsense')).rejects.toMatchObject({
      status: 400,
      code: 'invalid_sdp',
    });
    expect(session.offerAt).toBeUndefined();
    const good = await offer('audio');
    peers.push(good.pc);
    await expect(sut.answer(session, good.sdp)).resolves.toMatchObject({ type: 'answer' });
  });

  it('refuses an offer that cannot connect, naming what is wrong, and lets the client try again', async () => {
    const session = await newSession();
    const { sdp, pc } = await offer('audio');
    peers.push(pc);
    await expect(
      sut.answer(session, sdp.replace(/a=fingerprint:.*\r\n/g, '')),
    ).rejects.toMatchObject({
      status: 400,
      code: 'invalid_sdp',
      message: expect.stringMatching(/no a=fingerprint/),
    });
    await expect(
      sut.answer(session, sdp.replace(/a=ice-pwd:.*\r\n/g, `a=ice-pwd:${'x'.repeat(3000)}\r\n`)),
    ).rejects.toMatchObject({
      status: 400,
      code: 'invalid_sdp',
      message: expect.stringMatching(/a=ice-pwd is 3000 characters/),
    });
    expect(session.offerAt).toBeUndefined();
    await expect(sut.answer(session, sdp)).resolves.toMatchObject({ type: 'answer' });
  });

  it('answers an unusable candidate with invalid_candidate naming why, and ignores mDNS, TCP and RTCP ones quietly', async () => {
    const session = await newSession();
    const { sdp, pc } = await offer('audio');
    peers.push(pc);
    const errors: string[] = [];
    session.attachSocket({
      send: (d) => {
        const message = JSON.parse(d) as { type: string; code?: string; message?: string };
        if (message.type === 'error') errors.push(`${message.code}: ${message.message}`);
      },
      close: () => undefined,
    });
    await sut.answer(session, sdp);
    const mdns = '1f4712db-ea17-4bcf-a596-105139dfd8bf.local';
    for (const candidate of [
      `candidate:0 1 UDP 2122252543 ${mdns} 53202 typ host`,
      `candidate:1 1 TCP 2105524479 ${mdns} 9 typ host tcptype active`,
      `candidate:0 2 UDP 2122252542 ${mdns} 53203 typ host`,
    ]) {
      session.addRemoteCandidate({ candidate, sdpMid: '', sdpMLineIndex: 0 });
    }
    expect(errors).toEqual([]);
    session.addRemoteCandidate({
      candidate: 'candidate:1 1 udp 5 999.1.1.1 5000 typ host',
      sdpMid: '0',
    });
    session.addRemoteCandidate({
      candidate: 'candidate:1 1 udp 5 192.0.2.1 5000 typ host',
      sdpMid: 'nine',
    });
    expect(errors).toEqual([
      'invalid_candidate: an ICE candidate could not be used: address "999.1.1.1" is neither an IP address nor an mDNS name',
      expect.stringMatching(/^invalid_candidate: .*sdpMid "nine" names no media section/),
    ]);
  });

  it('answers an offer whose lines end in CRLF and LF by turns as if all ended in CRLF', async () => {
    const factory = new PeerConnectionFactory(config);
    const made: RTCPeerConnection[] = [];
    const create = factory.create.bind(factory);
    jest.spyOn(factory, 'create').mockImplementation(() => {
      const pc = create();
      made.push(pc);
      return pc;
    });
    const mixedSut = new SignalingService(factory, pipelines, sessions, config);
    const session = await newSession();
    const { sdp, pc } = await offer('audio');
    peers.push(pc);
    const mixed = sdp
      .split('\r\n')
      .map((line, i) => line + (i % 2 === 0 ? '\n' : '\r\n'))
      .join('');
    await mixedSut.answer(session, mixed);
    // werift read the offer's own ICE credentials, not lines run together.
    const ufrag = /a=ice-ufrag:(\S+)/.exec(sdp)?.[1];
    const pwd = /a=ice-pwd:(\S+)/.exec(sdp)?.[1];
    expect(made).toHaveLength(1);
    const remote = made[0].iceTransports[0]?.connection;
    expect(remote?.remoteUsername).toBe(ufrag);
    expect(remote?.remotePassword).toBe(pwd);
  });
});
