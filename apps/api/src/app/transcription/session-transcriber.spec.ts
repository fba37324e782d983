import { getEventListeners } from 'node:events';
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
import { SessionTranscriber, type SessionTranscriberOptions } from './session-transcriber';
import { TranscriptionMetrics } from './transcription-metrics';

/** A scripted engine: each call waits until the test resolves or rejects it. */
class FakeEngine implements TranscriptionEngine {
  readonly info = { id: 'fake', model: 'scripted' };
  readonly paid = false;
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

function setup(sessionSlots = 2, globalSlots = 8, extra: Partial<SessionTranscriberOptions> = {}) {
  const engine = new FakeEngine();
  const events: TranscriptEventInit[] = [];
  const metrics = new TranscriptionMetrics();
  const global = new Semaphore(globalSlots);
  let clock = 1000;
  const sut = new SessionTranscriber({
    engine,
    language: 'en',
    sessionSlots: new Semaphore(sessionSlots),
    globalSlots: global,
    publish: (e) => events.push(e),
    logger: new Logger('test'),
    sessionId: 's1',
    now: () => clock,
    metrics,
    ...extra,
  });
  return { sut, engine, events, metrics, global, advance: (ms: number) => (clock += ms) };
}

/** A growing utterance of `ms` of audio, all of it speech. */
const growing = (segmentId: number, ms: number): Utterance => ({
  segmentId,
  startMs: 0,
  endMs: ms,
  samples: new Int16Array(ms * 16),
  speechEndMs: ms,
  speechMs: ms,
});

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
    // Whose utterance it is, for an engine worker's logs in cluster mode.
    expect(request.context).toEqual({ sessionId: 's1', segmentId: 0 });
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

  it('counts each engine call by engine, purpose and outcome', async () => {
    const { sut, engine, metrics } = setup(2);
    [0, 1].forEach((i) => sut.submit(utterance(i)));
    await tick();
    engine.calls[0].reject(new EngineUnavailableError('down'));
    engine.calls[1].resolve({ text: 'after' });
    await tick();
    expect(metrics.outcomes()).toEqual(
      expect.arrayContaining([
        { engine: 'fake', purpose: 'final', outcome: 'error', count: 1 },
        { engine: 'fake', purpose: 'final', outcome: 'ok', count: 1 },
      ]),
    );
    expect(metrics.outcomes()).toHaveLength(2);
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

  it('gives each engine call a signal of its own, so listeners left on one never pile up', async () => {
    // Like the OpenAI SDK, FakeEngine leaves its abort listener on the signal it is given.
    const { sut, engine, events } = setup(2);
    const utterances = 30;
    for (let i = 0; i < utterances; i++) sut.submit(utterance(i));
    for (let answered = 0; answered < utterances; answered++) {
      await tick();
      engine.calls[answered].resolve({ text: `text ${answered}` });
    }
    await sut.drain(1000);
    expect(events.filter((e) => e.type === 'final')).toHaveLength(utterances);
    const signals = engine.calls.map((c) => c.signal);
    expect(new Set(signals).size).toBe(utterances);
    // Only the engine's own listener is left on each: no waiter's, none from other calls.
    expect(Math.max(...signals.map((s) => getEventListeners(s, 'abort').length))).toBe(1);
    // A finished call is not cancelled when the session ends.
    expect(signals.some((s) => s.aborted)).toBe(false);
  });

  it('measures latency from the end of the speech, not from the cut', async () => {
    const { sut, engine, events, metrics, advance } = setup();
    // The speech ended 500 ms (the pause) before the utterance was cut, at clock 1000.
    sut.submit({ ...utterance(0), speechEndMs: 2500 }, 500);
    await tick();
    advance(300);
    engine.calls[0].resolve({ text: 'x' });
    await tick();
    expect(events[0]).toMatchObject({ type: 'final', data: { latencyMs: 800 } });
    expect(metrics.snapshot().latency['fake'].finalMs).toMatchObject({ count: 1, p50: 800 });
    expect(metrics.snapshot().latency['fake'].engineMs).toMatchObject({ count: 1, p50: 300 });
  });

  it('never sends a segment in which the VAD confirmed too little speech', async () => {
    const { sut, engine, events, metrics } = setup(2, 8, { minSpeechMs: 250 });
    sut.submit({ ...utterance(0), speechMs: 120 });
    await tick();
    expect(engine.calls).toHaveLength(0);
    expect(events).toEqual([
      { type: 'final', data: expect.objectContaining({ segmentId: 0, text: '' }) },
    ]);
    expect(metrics.snapshot().guard.notSent).toBe(1);
  });

  it('drops phantom phrases from finals and counts them', async () => {
    const { sut, engine, events, metrics } = setup();
    sut.submit({ ...utterance(0), speechMs: 2800 });
    sut.submit({ ...utterance(1), speechMs: 300 });
    await tick();
    engine.calls[0].resolve({ text: 'Go forward ten meters. Thanks for watching!' });
    engine.calls[1].resolve({ text: 'Thank you.', language: 'english' });
    await tick();
    expect(events.map((e) => e.type === 'final' && e.data.text)).toEqual([
      'Go forward ten meters.',
      '',
    ]);
    expect(metrics.snapshot().guard.phantom).toBe(2);
  });

  describe('partials', () => {
    beforeEach(() => jest.useFakeTimers({ doNotFake: ['setImmediate', 'nextTick'] }));
    afterEach(() => jest.useRealTimers());

    function partialSetup(extra: Partial<SessionTranscriberOptions> = {}) {
      const t = setup(2, 8, { partials: { intervalMs: 1000 }, ...extra });
      let current: Utterance | null = null;
      t.sut.startPartials(() => current);
      return { ...t, grow: (u: Utterance | null) => (current = u) };
    }
    const partials = (events: TranscriptEventInit[]) =>
      events.flatMap((e) => (e.type === 'partial' ? [e.data] : []));

    it('transcribes the growing utterance about once a second, with rising revisions', async () => {
      const { engine, events, grow, sut } = partialSetup();
      sut.speechStarted(0, 1000);
      grow(growing(0, 1000));
      jest.advanceTimersByTime(1000);
      expect(engine.calls).toHaveLength(1);
      expect(engine.calls[0].request.durationMs).toBe(1000);
      engine.calls[0].resolve({ text: 'go' });
      await tick();
      grow(growing(0, 2000));
      jest.advanceTimersByTime(1000);
      engine.calls[1].resolve({ text: 'go forward' });
      await tick();
      expect(partials(events)).toEqual([
        { segmentId: 0, text: 'go', startMs: 0, endMs: 1000, revision: 1 },
        { segmentId: 0, text: 'go forward', startMs: 0, endMs: 2000, revision: 2 },
      ]);
    });

    it('keeps one call in flight and skips ticks meanwhile, then takes the newest audio', async () => {
      const { engine, grow } = partialSetup();
      grow(growing(0, 1000));
      jest.advanceTimersByTime(1000);
      grow(growing(0, 2000));
      jest.advanceTimersByTime(1000);
      grow(growing(0, 3000));
      jest.advanceTimersByTime(1000);
      expect(engine.calls).toHaveLength(1);
      engine.calls[0].resolve({ text: 'a' });
      await tick();
      grow(growing(0, 3500));
      jest.advanceTimersByTime(1000);
      expect(engine.calls).toHaveLength(2);
      expect(engine.calls[1].request.durationMs).toBe(3500);
    });

    it('drops a partial whose final was submitted meanwhile, and cancels its call', async () => {
      const { sut, engine, events, grow, metrics } = partialSetup();
      grow(growing(0, 1000));
      jest.advanceTimersByTime(1000);
      sut.submit(growing(0, 1400));
      await tick();
      expect(engine.calls[0].signal.aborted).toBe(true);
      engine.calls[1].resolve({ text: 'final text' });
      await tick();
      expect(partials(events)).toEqual([]);
      expect(events).toEqual([
        { type: 'final', data: expect.objectContaining({ segmentId: 0, text: 'final text' }) },
      ]);
      expect(metrics.snapshot().requests.partial).toEqual({ count: 1, audioMs: 1000, dropped: 1 });
      expect(metrics.outcomes()).toEqual(
        expect.arrayContaining([
          { engine: 'fake', purpose: 'partial', outcome: 'aborted', count: 1 },
        ]),
      );
    });

    it('gives way to finals: no partial while a final waits or no engine slot is free', async () => {
      const { sut, engine, grow, global } = partialSetup();
      sut.submit(utterance(0));
      await tick();
      grow(growing(1, 1000));
      jest.advanceTimersByTime(1000);
      expect(engine.calls).toHaveLength(1); // the final only
      engine.calls[0].resolve({ text: 'done' });
      await tick();
      const held = [global.tryAcquire(), global.tryAcquire()]; // other sessions busy
      for (let i = 0; i < 6; i++) global.tryAcquire();
      jest.advanceTimersByTime(1000);
      expect(engine.calls).toHaveLength(1);
      expect(held[0]).not.toBeNull();
    });

    it('waits for new speech and enough audio, and stops when the session drains', async () => {
      const { sut, engine, grow } = partialSetup();
      grow(growing(0, 300));
      jest.advanceTimersByTime(1000);
      expect(engine.calls).toHaveLength(0); // too short
      grow({ ...growing(0, 1200), speechMs: 100 });
      jest.advanceTimersByTime(1000);
      expect(engine.calls).toHaveLength(0); // not speech
      grow(growing(0, 1200));
      jest.advanceTimersByTime(1000);
      engine.calls[0].resolve({ text: 'a' });
      await tick();
      grow({ ...growing(0, 2200), speechEndMs: 1300 }); // only pause since
      jest.advanceTimersByTime(1000);
      expect(engine.calls).toHaveLength(1);
      await sut.drain(10);
      grow(growing(1, 3000));
      jest.advanceTimersByTime(5000);
      expect(engine.calls).toHaveLength(1);
    });

    it('starts no partial during a pause, when the final is probably near', () => {
      const { engine, grow } = partialSetup();
      grow({ ...growing(0, 2000), speechEndMs: 1700 });
      jest.advanceTimersByTime(1000);
      expect(engine.calls).toHaveLength(0);
      grow({ ...growing(0, 2100), speechEndMs: 2000 });
      jest.advanceTimersByTime(1000);
      expect(engine.calls).toHaveLength(1);
    });

    it('lets a slow engine rest as long as the last partial took', async () => {
      const { engine, grow, advance } = partialSetup();
      grow(growing(0, 1000));
      jest.advanceTimersByTime(1000);
      advance(1500); // the engine took 1.5 s
      engine.calls[0].resolve({ text: 'a' });
      await tick();
      grow(growing(0, 2500));
      advance(1000);
      jest.advanceTimersByTime(1000);
      expect(engine.calls).toHaveLength(1); // 1 s of the 1.5 s rest
      advance(600);
      jest.advanceTimersByTime(1000);
      expect(engine.calls).toHaveLength(2);
    });

    it('records the time from the start of speech to the first partial', async () => {
      const { sut, engine, grow, metrics, advance } = partialSetup();
      sut.speechStarted(0, 400); // speech began 600 ms before the clock's 1000
      grow(growing(0, 1000));
      jest.advanceTimersByTime(1000);
      advance(200);
      engine.calls[0].resolve({ text: 'hello' });
      await tick();
      expect(metrics.snapshot().latency['fake'].firstPartialMs).toMatchObject({
        count: 1,
        p50: 800,
      });
    });

    it('keeps a failing partial quiet (the final reports failures) and tries again later', async () => {
      const { engine, events, grow, metrics } = partialSetup();
      grow(growing(0, 1000));
      jest.advanceTimersByTime(1000);
      engine.calls[0].reject(new EngineUnavailableError('down'));
      await tick();
      expect(events).toEqual([]);
      expect(metrics.snapshot().requests.partial.dropped).toBe(1);
      grow(growing(0, 2000));
      jest.advanceTimersByTime(1000);
      engine.calls[1].resolve({ text: 'back' });
      await tick();
      expect(partials(events)).toEqual([expect.objectContaining({ text: 'back', revision: 1 })]);
    });

    it('is off unless asked for', () => {
      const { sut, engine } = setup();
      sut.startPartials(() => growing(0, 3000));
      jest.advanceTimersByTime(5000);
      expect(engine.calls).toHaveLength(0);
      expect(sut.partialsEnabled).toBe(false);
    });
  });
});
