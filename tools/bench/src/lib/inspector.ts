import WebSocket from 'ws';

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
}

/** What the injected `monitorEventLoopDelay` histogram saw, in ms. */
export interface LoopDelay {
  p50: number;
  p99: number;
  max: number;
  mean: number;
  count: number;
}

/** The V8 CPU profile format (`.cpuprofile`). */
export interface CpuProfile {
  nodes: Array<{
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
    hitCount?: number;
    children?: number[];
  }>;
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

/** Resolution of the injected event-loop delay monitor. */
export const ELD_RESOLUTION_MS = 10;

/**
 * A minimal Chrome DevTools Protocol client for a Node process started with `--inspect`: lets
 * the bench look inside the unmodified server (event-loop delay, heap, active handles, CPU
 * profile) without a /metrics endpoint. Only ever connects to a loopback address.
 */
export class Inspector {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();

  private constructor(private readonly ws: WebSocket) {
    ws.on('message', (data: WebSocket.RawData) => {
      const message = JSON.parse(String(data)) as {
        id?: number;
        result?: unknown;
        error?: { message: string };
      };
      if (message.id === undefined) {
        return;
      }
      const waiter = this.pending.get(message.id);
      this.pending.delete(message.id);
      if (message.error) {
        waiter?.reject(new Error(message.error.message));
      } else {
        waiter?.resolve(message.result);
      }
    });
    ws.on('close', () => {
      for (const waiter of this.pending.values()) {
        waiter.reject(new Error('inspector closed'));
      }
      this.pending.clear();
    });
  }

  /** The `ws://127.0.0.1:PORT/UUID` that `node --inspect=127.0.0.1:0` printed on stderr. */
  static findUrl(output: string): string | null {
    return /Debugger listening on (ws:\/\/127\.0\.0\.1:\d+\/[\w-]+)/.exec(output)?.[1] ?? null;
  }

  static connect(url: string): Promise<Inspector> {
    if (!url.startsWith('ws://127.0.0.1:')) {
      return Promise.reject(new Error(`not a loopback inspector URL: ${url}`));
    }
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { perMessageDeflate: false });
      ws.once('open', () => resolve(new Inspector(ws)));
      ws.once('error', reject);
    });
  }

  send<T>(method: string, params: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.ws.send(JSON.stringify({ id, method, params }));
    });
  }

  /** Evaluates an expression in the server's main context and returns its value (JSON). */
  async evaluate<T>(expression: string): Promise<T> {
    const reply = await this.send<{
      result: { value?: T };
      exceptionDetails?: { text: string; exception?: { description?: string } };
    }>('Runtime.evaluate', { expression, returnByValue: true, awaitPromise: true });
    if (reply.exceptionDetails) {
      throw new Error(
        `evaluate failed: ${reply.exceptionDetails.exception?.description ?? reply.exceptionDetails.text}`,
      );
    }
    return reply.result.value as T;
  }

  /** Starts a `perf_hooks.monitorEventLoopDelay` histogram inside the server. */
  async startLoopDelay(): Promise<void> {
    await this.evaluate(
      `(() => { const req = process.mainModule ? process.mainModule.require.bind(process.mainModule) : require;
        const h = req('node:perf_hooks').monitorEventLoopDelay({ resolution: ${ELD_RESOLUTION_MS} });
        h.enable(); globalThis.__benchEld = h; return true; })()`,
    );
  }

  /** Reads the histogram (ms) and, when `reset`, starts a new window. */
  loopDelay(reset: boolean): Promise<LoopDelay> {
    return this.evaluate<LoopDelay>(
      `(() => { const h = globalThis.__benchEld; const ms = (ns) => ns / 1e6;
        const r = { p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max), mean: ms(h.mean), count: h.count };
        if (${reset}) h.reset(); return r; })()`,
    );
  }

  /** Counts of `process.getActiveResourcesInfo()` by type. */
  async activeResources(): Promise<Record<string, number>> {
    return this.evaluate<Record<string, number>>(
      `process.getActiveResourcesInfo().reduce((m, t) => (m[t] = (m[t] || 0) + 1, m), {})`,
    );
  }

  memoryUsage(): Promise<NodeJS.MemoryUsage> {
    return this.evaluate<NodeJS.MemoryUsage>('process.memoryUsage()');
  }

  async collectGarbage(): Promise<void> {
    await this.send('HeapProfiler.collectGarbage');
  }

  async startProfile(samplingIntervalUs = 500): Promise<void> {
    await this.send('Profiler.enable');
    await this.send('Profiler.setSamplingInterval', { interval: samplingIntervalUs });
    await this.send('Profiler.start');
  }

  async stopProfile(): Promise<CpuProfile> {
    const { profile } = await this.send<{ profile: CpuProfile }>('Profiler.stop');
    await this.send('Profiler.disable');
    return profile;
  }

  /** Closes the connection (do this before stopping the server: Node waits for a debugger). */
  close(): Promise<void> {
    return new Promise((resolve) => {
      if (this.ws.readyState === WebSocket.CLOSED) {
        resolve();
        return;
      }
      this.ws.once('close', () => resolve());
      this.ws.close();
    });
  }
}
