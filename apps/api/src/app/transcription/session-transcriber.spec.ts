import { Logger } from '@nestjs/common';
import type { TranscriptEventInit } from '@whisperstream/shared-types';
import { Semaphore } from '../common/semaphore';
import type { Utterance } from '../audio-pipeline/segmenter';
import {
  EngineUnavailableError,
  TranscriptionEngine,
  TranscriptionRequest,
  TranscriptionResult,
} from './engine';
import { SessionTranscriber } from './session-transcriber';

/** A scripted engine: each call waits until the test resolves or rejects it. */
class FakeEngine implements TranscriptionEngine {
  readonly info = { id: 'fake', model: 'scripted' };
  readonly calls: Array<{
    request: TranscriptionRequest;
    signal: AbortSignal;
    resolve: (r: TranscriptionResult) => void;
    reject: (e: unknown) => void;
  }> = [];
  inFlight = 0;
  maxInFlight = 0;

  transcribe(request: TranscriptionRequest, signal: AbortSignal): Promise<TranscriptionResult> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    return new Promise<TranscriptionResult>((resolve, reject) => {
      const done = () => this.inFlight--;
      this.calls.push({
        request,
        signal,
        resolve: (r) => (done(), resolve(r)),
        reject: (e) => (done(), reject(e)),
      });
      signal.addEventListener('abort', () => (done(), reject(signal.reason)), { once: true });
    });
  }
}

const utterance = (segmentId: number): Utterance => ({
  segmentId,
  startMs: segmentId * 3000,
  endMs: segmentId * 3000 + 3000,
  samples: new Int16Array(48000),
});
const tick = () => new Promise((resolve) => setImmediate(resolve));

function setup(sessionSlots = 2, globalSlots = 8) {
  const engine = new FakeEngine();
  const events: TranscriptEventInit[] = [];
  let clock = 1000;
  const sut = new SessionTranscriber({
    engine,
    language: 'en',
    sessionSlots: new Semaphore(sessionSlots),
    globalSlots: new Semaphore(globalSlots),
    publish: (e) => events.push(e),
    logger: new Logger('test'),
    sessionId: 's1',
    now: () => clock,
  });
  return { sut, engine, events, advance: (ms: number) => (clock += ms) };
}

describe(SessionTranscriber.name, () => {
  beforeAll(() => Logger.overrideLogger(false));

  it('publishes finals in segment order when calls finish out of order', async () => {
    const { sut, engine, events } = setup(3);
    [0, 1, 2].forEach((i) => sut.submit(utterance(i)));
    await tick();
    expect(engine.calls).toHaveLength(3);
    engine.calls[2].resolve({ text: 'third' });
    engine.calls[1].resolve({ text: 'second' });
    await tick();
    expect(events).toEqual([]);
    engine.calls[0].resolve({ text: 'first' });
    await tick();
    expect(events.map((e) => e.type === 'final' && e.data.text)).toEqual([
      'first',
      'second',
      'third',
    ]);
  });

  it('sends a WAV of the utterance with the session language', async () => {
    const { sut, engine } = setup();
    sut.submit(utterance(0));
    await tick();
    const { request } = engine.calls[0];
    expect(request.wav.subarray(0, 4).toString()).toBe('RIFF');
    expect(request.wav.length).toBe(44 + 96000);
    expect(request).toMatchObject({ durationMs: 3000, language: 'en' });
  });

  it('bounds concurrent engine calls per session', async () => {
    const { sut, engine } = setup(2);
    [0, 1, 2, 3].forEach((i) => sut.submit(utterance(i)));
    await tick();
    expect(engine.calls).toHaveLength(2);
    engine.calls[0].resolve({ text: 'a' });
    await tick();
    await tick();
    expect(engine.calls).toHaveLength(3);
    expect(engine.maxInFlight).toBe(2);
  });

  it('turns a failure into an error event in its place and goes on', async () => {
    const { sut, engine, events } = setup(2);
    [0, 1].forEach((i) => sut.submit(utterance(i)));
    await tick();
    engine.calls[0].reject(new EngineUnavailableError('down'));
    engine.calls[1].resolve({ text: 'after' });
    await tick();
    expect(events).toEqual([
      {
        type: 'error',
        data: { code: 'engine_unavailable', message: 'down', retryable: true, segmentId: 0 },
      },
      expect.objectContaining({
        type: 'final',
        data: expect.objectContaining({ segmentId: 1, text: 'after' }),
      }),
    ]);
    expect(sut.failed).toBe(1);
  });

  it('measures latency from the end of the audio to the text', async () => {
    const { sut, engine, events, advance } = setup();
    sut.submit(utterance(0));
    await tick();
    advance(250);
    engine.calls[0].resolve({ text: 'x' });
    await tick();
    expect(events[0]).toMatchObject({ type: 'final', data: { latencyMs: 250, engine: 'fake' } });
  });

  it('publishes an empty final for a segment that came to nothing', async () => {
    const { sut, engine, events } = setup();
    sut.submit(utterance(0));
    await tick();
    engine.calls[0].resolve({ text: '' });
    await tick();
    expect(events).toEqual([
      { type: 'final', data: expect.objectContaining({ segmentId: 0, text: '' }) },
    ]);
  });

  it('drain waits for running calls, then cancels what is left after the bound', async () => {
    const { sut, engine, events } = setup(1);
    [0, 1].forEach((i) => sut.submit(utterance(i)));
    await tick();
    setTimeout(() => engine.calls[0].resolve({ text: 'kept' }), 5);
    await sut.drain(50);
    expect(events.map((e) => e.type)).toEqual(['final', 'error']);
    expect(events[1]).toMatchObject({ data: { code: 'transcription_aborted', segmentId: 1 } });
    expect(engine.calls[engine.calls.length - 1].signal.aborted).toBe(true);
    sut.submit(utterance(2));
    await tick();
    expect(sut.pending).toBe(0);
  });
});
