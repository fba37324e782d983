import { Logger } from '@nestjs/common';
import type { IceCandidateInit } from '@whisperstream/shared-types';
import { FixedSegmenter } from '../audio-pipeline/segmenter';
import { Semaphore } from '../common/semaphore';
import { LiveTranscription } from '../live/live-transcription';
import { SessionTranscriber } from '../transcription/session-transcriber';
import { TranscriptStream } from '../transcript-bus/transcript-stream';
import { Session } from './session';

function makeSession() {
  const stream = new TranscriptStream();
  const transcriber = new SessionTranscriber({
    engine: {
      info: { id: 'e', model: 'm' },
      paid: false,
      transcribe: () => Promise.resolve({ text: 'x' }),
    },
    sessionSlots: new Semaphore(1),
    globalSlots: new Semaphore(1),
    publish: (e) => stream.emit(e),
    logger: new Logger('test'),
    sessionId: 's',
  });
  const live = new LiveTranscription({
    createSegmenter: (sink) => new FixedSegmenter(1000, sink),
    transcriber,
    publish: (e) => stream.emit(e),
  });
  return new Session({
    id: 's',
    tokenHash: Buffer.alloc(32),
    engine: { id: 'e', model: 'm' },
    stream,
    live,
    logger: new Logger('test'),
  });
}

const candidate = (n: number): IceCandidateInit => ({
  candidate: `candidate:${n} 1 udp 1 127.0.0.1 ${5000 + n} typ host`,
  sdpMid: '0',
});

describe(Session.name, () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('keeps its own candidates until the socket opens, then sends them in order', () => {
    const sut = makeSession();
    sut.send({ type: 'candidate', candidate: candidate(1) });
    sut.send({ type: 'end-of-candidates' });
    const sent: string[] = [];
    sut.attachSocket({ send: (d) => sent.push(d), close: jest.fn() });
    sut.send({ type: 'error', code: 'x', message: 'y' });
    expect(sent.map((d) => (JSON.parse(d) as { type: string }).type)).toEqual([
      'candidate',
      'end-of-candidates',
      'error',
    ]);
  });

  it('keeps the client’s candidates until the remote description is set', () => {
    const sut = makeSession();
    sut.addRemoteCandidate(candidate(1));
    sut.addRemoteCandidate(null);
    const added: Array<IceCandidateInit | null> = [];
    sut.remoteDescriptionSet((c) => added.push(c));
    sut.addRemoteCandidate(candidate(2));
    expect(added).toEqual([candidate(1), null, candidate(2)]);
  });

  it('closes the older socket when a newer one attaches', () => {
    const sut = makeSession();
    const old = { send: jest.fn(), close: jest.fn() };
    sut.attachSocket(old);
    sut.attachSocket({ send: jest.fn(), close: jest.fn() });
    expect(old.close).toHaveBeenCalledWith(4000, expect.any(String));
  });

  it('closes in order: media, audio ingress flush, transcriptions, then end and the socket', async () => {
    const sut = makeSession();
    const order: string[] = [];
    sut.attachPeer({ close: () => void order.push('peer') });
    sut.attachIngress({ end: () => void order.push('ingress') });
    const socket = { send: jest.fn(), close: jest.fn(() => void order.push('socket')) };
    sut.attachSocket(socket);
    sut.stream.events$().subscribe((e) => e.type === 'end' && order.push('end'));
    await sut.close({ reason: 'deleted', drainMs: 10 });
    await sut.close({ reason: 'bye', drainMs: 10 });
    expect(order).toEqual(['peer', 'ingress', 'end', 'socket']);
    expect(sut.state).toBe('closed');
    expect(sut.abort.signal.aborted).toBe(true);
  });
});
