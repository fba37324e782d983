/**
 * Rejects when the promise takes longer than `ms`. Redis commands wait (they are queued) while
 * Redis is out of reach; what must not wait for ever (a heartbeat, a look at the workers, a
 * shutdown) goes through this.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, what = 'Redis'): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer from ${what} in ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** How long a Redis command of the heartbeat kind may take before Redis counts as out of reach. */
export function redisTimeoutMs(heartbeatMs: number): number {
  return Math.max(1000, 2 * heartbeatMs);
}
