import { EngineError, EngineTimeoutError, EngineUnavailableError } from '../engine';

export interface SerialQueueOptions {
  /** Requests allowed to wait behind the running one; past that, `engine_busy`. */
  maxWaiting: number;
  /** How errors name the thing behind the queue: "the local Whisper engine". */
  label: string;
}

export interface RunOptions {
  signal: AbortSignal;
  /** From the moment the task starts; past it the caller gets `engine_timeout`. */
  timeoutMs: number;
  /** Waits ahead of every task that is not (a final before partial results); default true. */
  urgent?: boolean;
}

interface Job {
  start: () => void;
  fail: (error: EngineError) => void;
  urgent: boolean;
}

/**
 * Runs one task at a time, with a bounded line of waiting ones; admission is decided when
 * `run` is called. Urgent tasks (finals) wait ahead of the others (partials), in order. A waiting request leaves the line when its signal aborts. A running task
 * cannot be interrupted, so an abort, a timeout or `close` answers its caller at once while the
 * task keeps the slot until it settles: two tasks never overlap, whatever their callers do.
 */
export class SerialQueue {
  #running?: { job: Job; settled: Promise<void> };
  readonly #waiting: Job[] = [];
  #closed = false;

  constructor(private readonly options: SerialQueueOptions) {}

  get waiting(): number {
    return this.#waiting.length;
  }

  get busy(): boolean {
    return this.#running !== undefined;
  }

  run<T>(task: () => Promise<T>, { signal, timeoutMs, urgent = true }: RunOptions): Promise<T> {
    const { label, maxWaiting } = this.options;
    if (this.#closed) return Promise.reject(new EngineUnavailableError(`${label} is shut down`));
    if (signal.aborted) return Promise.reject(aborted());
    if (this.#running && this.#waiting.length >= maxWaiting) {
      return Promise.reject(
        new EngineError('engine_busy', `${label} has too much queued work`, true),
      );
    }
    return new Promise<T>((resolve, reject) => {
      let answered = false;
      let timer: NodeJS.Timeout | undefined;
      const answer = (outcome: () => void) => {
        if (answered) return;
        answered = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        outcome();
      };
      const job: Job = {
        start: () => {
          timer = setTimeout(
            () => answer(() => reject(new EngineTimeoutError(`${label} did not finish in time`))),
            timeoutMs,
          );
          const settled = attempt(task).then(
            (value) => answer(() => resolve(value)),
            (error: unknown) => answer(() => reject(asEngineError(error, label))),
          );
          const running = { job, settled };
          this.#running = running;
          void settled.then(() => {
            if (this.#running !== running) return;
            this.#running = undefined;
            if (!this.#closed) this.#waiting.shift()?.start();
          });
        },
        fail: (error) => answer(() => reject(error)),
        urgent,
      };
      const onAbort = () => {
        const index = this.#waiting.indexOf(job);
        if (index >= 0) this.#waiting.splice(index, 1);
        answer(() => reject(aborted()));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      if (!this.#running) job.start();
      else if (!urgent) this.#waiting.push(job);
      else {
        const firstLater = this.#waiting.findIndex((waiting) => !waiting.urgent);
        this.#waiting.splice(firstLater < 0 ? this.#waiting.length : firstLater, 0, job);
      }
    });
  }

  /** Resolves once no task is running (at once if none is). */
  idle(): Promise<void> {
    return this.#running?.settled.then(() => this.idle()) ?? Promise.resolve();
  }

  /**
   * Fails every waiting and running caller with `error`; nothing more is accepted. A running
   * task goes on to its end: wait for `idle()` before freeing what it uses.
   */
  close(error: EngineError): void {
    this.#closed = true;
    for (const job of this.#waiting.splice(0)) job.fail(error);
    this.#running?.job.fail(error);
  }
}

function attempt<T>(task: () => Promise<T>): Promise<T> {
  try {
    return task();
  } catch (error) {
    return Promise.reject(error);
  }
}

function aborted(): EngineError {
  return new EngineError('transcription_aborted', 'the transcription was cancelled', false);
}

function asEngineError(error: unknown, label: string): EngineError {
  if (error instanceof EngineError) return error;
  return new EngineError('engine_failed', `${label} failed`, true);
}
