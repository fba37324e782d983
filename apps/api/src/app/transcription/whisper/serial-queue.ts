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
}

interface Job {
  start: () => void;
  fail: (error: EngineError) => void;
}

/**
 * Runs one task at a time, with a bounded line of waiting ones. A waiting request leaves the
 * line when its signal aborts. A running task cannot be interrupted (whisper.cpp's decoder
 * runs to the end), so an abort or a timeout answers the caller at once while the task keeps
 * its slot until it ends; only the timeout also frees the slot, so a task that never settles
 * cannot wedge the queue.
 */
export class SerialQueue {
  #running?: Job;
  readonly #waiting: Job[] = [];
  #closed = false;

  constructor(private readonly options: SerialQueueOptions) {}

  get waiting(): number {
    return this.#waiting.length;
  }

  get busy(): boolean {
    return this.#running !== undefined;
  }

  /** Admission is decided synchronously, when `run` is called. */
  run<T>(task: () => Promise<T>, { signal, timeoutMs }: RunOptions): Promise<T> {
    const { label, maxWaiting } = this.options;
    if (this.#closed) return Promise.reject(new EngineUnavailableError(`${label} is shut down`));
    if (signal.aborted) return Promise.reject(aborted());
    if (this.#running && this.#waiting.length >= maxWaiting) {
      return Promise.reject(
        new EngineError('engine_busy', `${label} has too much queued work`, true),
      );
    }
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      const settle = (outcome: () => void) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        outcome();
      };
      const job: Job = {
        start: () => {
          this.#running = job;
          timer = setTimeout(() => {
            settle(() => reject(new EngineTimeoutError(`${label} did not finish in time`)));
            this.#release(job);
          }, timeoutMs);
          let result: Promise<T>;
          try {
            result = task();
          } catch (error) {
            result = Promise.reject(error);
          }
          result
            .then(
              (value) => settle(() => resolve(value)),
              (error: unknown) => settle(() => reject(asEngineError(error, label))),
            )
            .finally(() => {
              clearTimeout(timer);
              this.#release(job);
            });
        },
        fail: (error) => {
          clearTimeout(timer);
          settle(() => reject(error));
        },
      };
      const onAbort = () => {
        const index = this.#waiting.indexOf(job);
        if (index >= 0) this.#waiting.splice(index, 1);
        // A running task keeps its slot until it ends; its caller need not wait for it.
        settle(() => reject(aborted()));
      };
      signal.addEventListener('abort', onAbort, { once: true });
      if (this.#running) this.#waiting.push(job);
      else job.start();
    });
  }

  /** Fails every waiting and running caller with `error`; nothing more is accepted. */
  close(error: EngineError): void {
    this.#closed = true;
    const jobs = [...this.#waiting.splice(0), ...(this.#running ? [this.#running] : [])];
    this.#running = undefined;
    for (const job of jobs) job.fail(error);
  }

  #release(job: Job): void {
    if (this.#running !== job) return;
    this.#running = undefined;
    if (this.#closed) return;
    this.#waiting.shift()?.start();
  }
}

function aborted(): EngineError {
  return new EngineError('transcription_aborted', 'the transcription was cancelled', false);
}

function asEngineError(error: unknown, label: string): EngineError {
  if (error instanceof EngineError) return error;
  return new EngineError('engine_failed', `${label} failed`, true);
}
