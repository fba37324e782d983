import type { Logger } from '@nestjs/common';
import type { TranscriptEventInit } from '@whisperstream/shared-types';
import { encodeWav } from '../audio-pipeline/wav';
import { SAMPLE_RATE } from '../audio-pipeline/opus-decode.stage';
import type { Utterance } from '../audio-pipeline/segmenter';
import type { Semaphore } from '../common/semaphore';
import { EngineError, TranscriptionEngine, TranscriptionResult } from './engine';
import { toEngineError } from './openai/openai.engine';

interface Job {
  utterance: Utterance;
  /** Wall-clock time at which the utterance's audio was complete. */
  readyAt: number;
  outcome?: { result: TranscriptionResult; doneAt: number } | { error: EngineError };
  settled: Promise<void>;
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
  now?: () => number;
}

/**
 * Transcribes one session's utterances with bounded concurrency and publishes the results
 * strictly in segment order, even when engine calls finish out of order. A failed utterance
 * becomes an `error` event in its place; the session goes on.
 */
export class SessionTranscriber {
  readonly #queue: Job[] = [];
  readonly #abort = new AbortController();
  readonly #now: () => number;
  #closed = false;
  completed = 0;
  failed = 0;

  constructor(private readonly options: SessionTranscriberOptions) {
    this.#now = options.now ?? Date.now;
  }

  get pending(): number {
    return this.#queue.length;
  }

  submit(utterance: Utterance): void {
    if (this.#closed) return;
    const job: Job = { utterance, readyAt: this.#now(), settled: Promise.resolve() };
    job.settled = this.#run(job);
    this.#queue.push(job);
  }

  /** Waits for what is queued, at most `timeoutMs`; then cancels the rest. Idempotent. */
  async drain(timeoutMs: number): Promise<void> {
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
    this.#abort.abort(new EngineError('transcription_aborted', 'the session ended first', false));
  }

  async #run(job: Job): Promise<void> {
    const { engine, sessionSlots, globalSlots, language } = this.options;
    const signal = this.#abort.signal;
    const releases: Array<() => void> = [];
    try {
      releases.push(await sessionSlots.acquire(signal));
      releases.push(await globalSlots.acquire(signal));
      const { samples, startMs, endMs } = job.utterance;
      const result = await engine.transcribe(
        { wav: encodeWav(samples, SAMPLE_RATE), durationMs: endMs - startMs, language },
        signal,
      );
      job.outcome = { result, doneAt: this.#now() };
      this.completed++;
    } catch (error) {
      const engineError = signal.aborted ? toEngineError(signal.reason) : toEngineError(error);
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
      releases.reverse().forEach((release) => release());
    }
    this.#publishReady();
  }

  #publishReady(): void {
    while (this.#queue.length > 0 && this.#queue[0].outcome) {
      const job = this.#queue.shift() as Job;
      const outcome = job.outcome as NonNullable<Job['outcome']>;
      const { segmentId, startMs, endMs } = job.utterance;
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
        // An empty text is published too: it closes the segment for clients showing a placeholder.
        this.options.publish({
          type: 'final',
          data: {
            segmentId,
            text: outcome.result.text,
            startMs,
            endMs,
            latencyMs: Math.max(0, outcome.doneAt - job.readyAt),
            engine: this.options.engine.info.id,
          },
        });
      }
    }
  }
}
