/** A counting semaphore whose waiters can give up through an AbortSignal. */
export class Semaphore {
  #available: number;
  readonly #waiters: Array<{ grant: () => void; signal?: AbortSignal; onAbort?: () => void }> = [];

  constructor(readonly size: number) {
    this.#available = size;
  }

  get waiting(): number {
    return this.#waiters.length;
  }

  get inUse(): number {
    return this.size - this.#available;
  }

  /** A release function if a slot is free now (and nobody is waiting for one), else null. */
  tryAcquire(): (() => void) | null {
    if (this.#available === 0 || this.#waiters.length > 0) return null;
    this.#available--;
    return this.#releaser();
  }

  /** Resolves with a release function once a slot is free; rejects if the signal aborts first. */
  acquire(signal?: AbortSignal): Promise<() => void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    if (this.#available > 0) {
      this.#available--;
      return Promise.resolve(this.#releaser());
    }
    return new Promise((resolve, reject) => {
      const waiter: { grant: () => void; signal?: AbortSignal; onAbort?: () => void } = {
        grant: () => {
          if (waiter.onAbort) signal?.removeEventListener('abort', waiter.onAbort);
          resolve(this.#releaser());
        },
        signal,
      };
      if (signal) {
        waiter.onAbort = () => {
          const index = this.#waiters.indexOf(waiter);
          if (index >= 0) this.#waiters.splice(index, 1);
          reject(signal.reason);
        };
        signal.addEventListener('abort', waiter.onAbort, { once: true });
      }
      this.#waiters.push(waiter);
    });
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiters.shift();
      if (next) next.grant();
      else this.#available++;
    };
  }
}
