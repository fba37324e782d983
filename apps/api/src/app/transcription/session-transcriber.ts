import type { Logger } from '@nestjs/common';
import type { TranscriptEventInit } from '@whisperstream/shared-types';
import { encodeWav } from '../audio-pipeline/wav';
import { SAMPLE_RATE } from '../audio-pipeline/opus-decode.stage';
import type { Utterance } from '../audio-pipeline/segmenter';
import type { Semaphore } from '../common/semaphore';
import { asEngineError, EngineError, TranscriptionEngine, TranscriptionResult } from './engine';
import { guardTranscript } from './hallucination-guard';
import { TranscriptionMetrics } from './transcription-metrics';

interface Job {
  utterance: Utterance;
  /** Wall-clock time at which the utterance's speech ended (latency counts from here). */
  speechEndAt: number;
  outcome?: { result: TranscriptionResult; doneAt: number } | { error: EngineError };
  settled: Promise<void>;
}

/** An engine's answer, with when the call started and ended. */
interface EngineAnswer {
  result: TranscriptionResult;
  startedAt: number;
  doneAt: number;
}

interface PartialCall {
  segmentId: number;
  abort: AbortController;
}

/** A growing utterance shorter than this is not worth a partial. */
export const MIN_PARTIAL_AUDIO_MS = 500;

/**
 * A pause at least this long is in progress: the utterance is probably ending and its final
 * will need the engine soon, so no partial is started.
 */
export const PAUSE_NO_PARTIAL_MS = 200;

export interface PartialOptions {
  /** How often the growing utterance is transcribed again. */
  intervalMs: number;
}

export interface SessionTranscriberOptions {
  engine: TranscriptionEngine;
  language?: string;
  /** Bounds engine calls for this session. */
  sessionSlots: Semaphore;
  /** Bounds engine calls across all sessions. */
  globalSlots: Semaphore;
  publish: (event: TranscriptEventInit) => void;
  logger: Logger;
  sessionId: string;
  /** Partial results while a person speaks; off when undefined. */
  partials?: PartialOptions;
  /** A segment in which the VAD confirmed less speech than this is not sent (default 250 ms). */
  minSpeechMs?: number;
  metrics?: TranscriptionMetrics;
  now?: () => number;
}

/**
 * Transcribes one session's utterances with bounded concurrency and publishes the results
 * strictly in segment order, even when engine calls finish out of order. A failed utterance
 * becomes an `error` event in its place; the session goes on.
 *
 * With partials on, the utterance still growing is transcribed again every `intervalMs`: one
 * call in flight at most, always on the newest audio (a tick that finds a call running is
 * skipped, never queued), never ahead of a final waiting for the engine, never during a pause
 * (the final is near), only when an engine slot is free at once, and after a rest as long as
 * the previous partial took (so a slow engine spends at most about half its time on partials).
 * Its answer goes out as a `partial` with a rising `revision`, unless the segment's final was
 * submitted meanwhile.
 *
 * Every text passes the hallucination guard; a segment in which the VAD heard too little speech
 * is not sent at all and gets an empty `final`.
 */
export class SessionTranscriber {
  readonly #queue: Job[] = [];
  /**
   * One controller per final in flight, aborted by `close`. Each call gets a signal of its own
   * that nothing outlives: an engine (the OpenAI SDK does) may leave a listener on the signal it
   * was given, and a session-wide signal collected one per utterance
   * (MaxListenersExceededWarning after ten).
   */
  readonly #calls = new Set<AbortController>();
  readonly #now: () => number;
  readonly #metrics: TranscriptionMetrics;
  readonly #minSpeechMs: number;
  readonly #speechStartAt = new Map<number, number>();
  #closed = false;
  #lastSubmitted = -1;
  #partialTimer?: NodeJS.Timeout;
  #partialCall?: PartialCall;
  #partialState = { segmentId: -1, revision: 0, heardMs: 0, text: '' };
  /** No partial starts before this time: the engine gets as much rest as the last one took. */
  #partialRestUntil = 0;
  completed = 0;
  failed = 0;

  constructor(private readonly options: SessionTranscriberOptions) {
    this.#now = options.now ?? Date.now;
    this.#metrics = options.metrics ?? new TranscriptionMetrics();
    this.#minSpeechMs = options.minSpeechMs ?? 250;
  }

  get pending(): number {
    return this.#queue.length;
  }

  get partialsEnabled(): boolean {
    return this.options.partials !== undefined;
  }

  /** A segment began; `startAt` is the wall-clock time its audio started arriving. */
  speechStarted(segmentId: number, startAt: number): void {
    if (!this.#closed) this.#speechStartAt.set(segmentId, startAt);
  }

  /** A complete utterance; `speechEndAt` is when its speech ended (default: now). */
  submit(utterance: Utterance, speechEndAt = this.#now()): void {
    if (this.#closed) return;
    this.#lastSubmitted = Math.max(this.#lastSubmitted, utterance.segmentId);
    const running = this.#partialCall;
    if (running && running.segmentId <= utterance.segmentId) {
      running.abort.abort(new EngineError('partial_superseded', 'the final is on its way', false));
    }
    const job: Job = { utterance, speechEndAt, settled: Promise.resolve() };
    this.#queue.push(job); // first: #run may publish at once
    job.settled = this.#run(job);
  }

  /**
   * Starts transcribing the growing utterance every `partials.intervalMs` (no-op when partials
   * are off). `current` tells what the utterance holds so far.
   */
  startPartials(current: () => Utterance | null): void {
    const partials = this.options.partials;
    if (!partials || this.#closed || this.#partialTimer) return;
    this.#partialTimer = setInterval(() => this.#partialTick(current), partials.intervalMs);
    this.#partialTimer.unref();
  }

  /** Waits for what is queued, at most `timeoutMs`; then cancels the rest. Idempotent. */
  async drain(timeoutMs: number): Promise<void> {
    this.#stopPartials();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([Promise.all(this.#queue.map((job) => job.settled)), deadline]);
    clearTimeout(timer);
    this.close();
    // Aborted jobs settle on the next turns of the event loop; publish what they became.
    await Promise.all(this.#queue.map((job) => job.settled));
  }

  /** Cancels everything still running; nothing more is accepted. */
  close(): void {
    this.#closed = true;
    this.#stopPartials();
    for (const call of this.#calls) {
      call.abort(new EngineError('transcription_aborted', 'the session ended first', false));
    }
  }

  #stopPartials(): void {
    clearInterval(this.#partialTimer);
    this.#partialCall?.abort.abort(
      new EngineError('transcription_aborted', 'the session is ending', false),
    );
  }

  async #run(job: Job): Promise<void> {
    const { sessionSlots, globalSlots } = this.options;
    const { speechMs } = job.utterance;
    if (speechMs !== undefined && speechMs < this.#minSpeechMs) {
      // The VAD heard (almost) no speech: an engine would only invent text for it.
      this.#metrics.guarded('notSent');
      job.outcome = { result: { text: '' }, doneAt: this.#now() };
      this.completed++;
      this.#publishReady();
      return;
    }
    const call = new AbortController();
    this.#calls.add(call);
    const signal = call.signal;
    const releases: Array<() => void> = [];
    try {
      releases.push(await sessionSlots.acquire(signal));
      releases.push(await globalSlots.acquire(signal));
      const { result, doneAt } = await this.#transcribe(job.utterance, 'final', signal);
      job.outcome = { result: this.#guard(result, speechMs), doneAt };
      this.completed++;
    } catch (error) {
      const engineError = signal.aborted ? asEngineError(signal.reason) : asEngineError(error);
      job.outcome = { error: engineError };
      this.failed++;
      this.options.logger.warn({
        msg: 'transcription failed',
        sessionId: this.options.sessionId,
        segmentId: job.utterance.segmentId,
        code: engineError.code,
        retryable: engineError.retryable,
      });
    } finally {
      this.#calls.delete(call);
      releases.reverse().forEach((release) => release());
    }
    this.#publishReady();
  }

  /** One engine call on an utterance's audio, counted and timed. */
  async #transcribe(
    utterance: Utterance,
    purpose: 'final' | 'partial',
    signal: AbortSignal,
  ): Promise<EngineAnswer> {
    const { engine, language } = this.options;
    const durationMs = utterance.endMs - utterance.startMs;
    this.#metrics.request(purpose, durationMs);
    const startedAt = this.#now();
    const wav = encodeWav(utterance.samples, SAMPLE_RATE);
    const context = { sessionId: this.options.sessionId, segmentId: utterance.segmentId };
    let result: TranscriptionResult;
    try {
      result = await engine.transcribe({ wav, durationMs, language, purpose, context }, signal);
    } catch (error) {
      this.#metrics.outcome(engine.info.id, purpose, signal.aborted ? 'aborted' : 'error');
      throw error;
    }
    const doneAt = this.#now();
    this.#metrics.outcome(engine.info.id, purpose, 'ok');
    this.#metrics.engineTime(engine.info.id, doneAt - startedAt);
    return { result, startedAt, doneAt };
  }

  #guard(result: TranscriptionResult, speechMs: number | undefined): TranscriptionResult {
    if (result.noSpeechSegments) this.#metrics.guarded('noSpeech', result.noSpeechSegments);
    const guarded = guardTranscript(result.text, {
      language: result.language ?? this.options.language,
      speechMs,
    });
    if (guarded.removed > 0) this.#metrics.guarded('phantom', guarded.removed);
    return { ...result, text: guarded.text };
  }

  #publishReady(): void {
    while (this.#queue.length > 0 && this.#queue[0].outcome) {
      const job = this.#queue.shift() as Job;
      const outcome = job.outcome as NonNullable<Job['outcome']>;
      const { segmentId, startMs, endMs } = job.utterance;
      this.#speechStartAt.delete(segmentId);
      if ('error' in outcome) {
        this.options.publish({
          type: 'error',
          data: {
            code: outcome.error.code,
            message: outcome.error.message,
            retryable: outcome.error.retryable,
            segmentId,
          },
        });
      } else {
        const latencyMs = Math.max(0, Math.round(outcome.doneAt - job.speechEndAt));
        this.#metrics.finalLatency(this.options.engine.info.id, latencyMs);
        // An empty text is published too: it closes the segment for clients showing a placeholder.
        this.options.publish({
          type: 'final',
          data: {
            segmentId,
            text: outcome.result.text,
            startMs,
            endMs,
            latencyMs,
            engine: this.options.engine.info.id,
          },
        });
      }
    }
  }

  #partialTick(current: () => Utterance | null): void {
    if (this.#closed || this.#partialCall || this.#queue.length > 0) return;
    if (this.#now() < this.#partialRestUntil) return;
    const utterance = current();
    if (!utterance || utterance.segmentId <= this.#lastSubmitted) return;
    const { segmentId, startMs, endMs, speechMs } = utterance;
    if (endMs - startMs < MIN_PARTIAL_AUDIO_MS) return;
    if (speechMs !== undefined && speechMs < this.#minSpeechMs) return;
    const heard = utterance.speechEndMs ?? endMs;
    if (endMs - heard >= PAUSE_NO_PARTIAL_MS) return; // the final is probably near
    // Only when there is new speech since the last partial.
    const state = this.#partialState;
    if (state.segmentId === segmentId && heard - state.heardMs < MIN_PARTIAL_AUDIO_MS / 2) return;
    // Finals come first: a partial only takes an engine slot that is free right now.
    const sessionSlot = this.options.sessionSlots.tryAcquire();
    if (!sessionSlot) return;
    const globalSlot = this.options.globalSlots.tryAcquire();
    if (!globalSlot) {
      sessionSlot();
      return;
    }
    const call: PartialCall = { segmentId, abort: new AbortController() };
    this.#partialCall = call;
    void this.#runPartial(utterance, call).finally(() => {
      globalSlot();
      sessionSlot();
      if (this.#partialCall === call) this.#partialCall = undefined;
    });
  }

  async #runPartial(utterance: Utterance, call: PartialCall): Promise<void> {
    const { engine } = this.options;
    const { segmentId, startMs, endMs, speechMs } = utterance;
    // Its own controller: `submit` (the final is on its way) and `close` abort it.
    const signal = call.abort.signal;
    let answer: EngineAnswer;
    try {
      answer = await this.#transcribe(utterance, 'partial', signal);
    } catch (error) {
      this.#metrics.partialDropped();
      const engineError = asEngineError(signal.aborted ? signal.reason : error);
      if (!signal.aborted) {
        // A failing partial is not the user's problem: the final will try (and report) again.
        this.options.logger.debug({
          msg: 'partial transcription failed',
          sessionId: this.options.sessionId,
          segmentId,
          code: engineError.code,
        });
      }
      return;
    }
    const { result, doneAt, startedAt } = answer;
    // Partials take at most about half of the engine's time: it rests as long as this call took.
    this.#partialRestUntil = doneAt + (doneAt - startedAt);
    if (this.#closed || segmentId <= this.#lastSubmitted) {
      this.#metrics.partialDropped(); // the final is on its way: this text is already old
      return;
    }
    const { text } = this.#guard(result, speechMs);
    if (this.#partialState.segmentId !== segmentId) {
      this.#partialState = { segmentId, revision: 0, heardMs: 0, text: '' };
    }
    const current = this.#partialState;
    current.heardMs = utterance.speechEndMs ?? endMs;
    if (text === '' || text === current.text) return; // nothing new to show
    current.text = text;
    current.revision++;
    if (current.revision === 1) {
      const startAt = this.#speechStartAt.get(segmentId);
      if (startAt !== undefined) this.#metrics.firstPartial(engine.info.id, doneAt - startAt);
    }
    this.options.publish({
      type: 'partial',
      data: { segmentId, text, startMs, endMs, revision: current.revision },
    });
  }
}
