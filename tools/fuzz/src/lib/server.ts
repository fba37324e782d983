import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { FakeOpenAiServer } from '@whisperstream/fake-openai';
import { isLoopbackHost } from '@whisperstream/loadgen';
import { startServer, type LogLine, type RunningServer } from '@whisperstream/server-harness';
import type { MemorySample } from './findings';

const API_KEY = 'sk-fuzz';
/** Lets the token comparison of GET /metrics.json run too (loopback is served anyway). */
export const METRICS_TOKEN = 'fuzz-metrics-token-0123456789abcdef';

/** The server's environment for a fuzz run: as `npm start` runs it, with limits lifted. */
export function fuzzServerEnv(
  engineUrl: string,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    TRANSCRIPTION_ENGINE: 'openai',
    OPENAI_API_KEY: API_KEY,
    OPENAI_BASE_URL: engineUrl,
    // Thousands of sessions are created in minutes; the limits are not what is fuzzed here.
    SESSION_RATE_LIMIT_PER_MINUTE: '1000000',
    MAX_SESSIONS: '2000',
    // Never multicast: an mDNS candidate must not make the server resolve names on the LAN.
    ICE_RESOLVE_MDNS: 'false',
    METRICS_TOKEN,
    // `info` keeps the per-session `audio pipeline ended` stats; `debug` would log every candidate.
    LOG_LEVEL: 'info',
    ...extra,
  };
}

/**
 * The built server under test, and the fake engine it talks to. Notices when the server
 * process died (a crash), says why, and starts a new one so the run can go on.
 */
export class ServerUnderTest {
  server!: RunningServer;
  fake!: FakeOpenAiServer;
  /** Every server process started (a crash makes one more). */
  readonly generations: Array<{ pid?: number; exitCode?: number | null; signal?: string | null }> =
    [];
  #exited: { code: number | null; signal: string | null } | null = null;
  #outputSeen = 0;

  constructor(private readonly extraEnv: Record<string, string> = {}) {}

  async start(): Promise<void> {
    this.fake ??= await FakeOpenAiServer.start({ apiKey: API_KEY, recognizer: 'describe' });
    this.server = await startServer(fuzzServerEnv(this.fake.baseUrl, this.extraEnv));
    const url = new URL(this.server.baseUrl);
    if (!isLoopbackHost(url.hostname)) {
      await this.server.stop();
      throw new Error(`the server listens on ${url.host}, not on loopback: refusing to fuzz it`);
    }
    this.#exited = null;
    this.#outputSeen = 0;
    const generation: (typeof this.generations)[number] = { pid: this.server.process.pid };
    this.generations.push(generation);
    this.server.process.once('exit', (code, signal) => {
      this.#exited = { code, signal };
      generation.exitCode = code;
      generation.signal = signal;
    });
  }

  get baseUrl(): string {
    return this.server.baseUrl;
  }

  /** `127.0.0.1:PORT`. */
  get host(): string {
    return new URL(this.server.baseUrl).host;
  }

  get pid(): number | undefined {
    return this.server.process.pid;
  }

  /** True while the server process runs. */
  get alive(): boolean {
    return this.#exited === null && this.server.process.exitCode === null;
  }

  /** How the process ended and the last of its output, for a crash finding. */
  crashReport(): string {
    const exit = this.#exited ?? { code: this.server.process.exitCode, signal: null };
    return `exit code ${exit.code}, signal ${exit.signal}; last output:\n${this.server.output().slice(-3000)}`;
  }

  /** A new server after a crash (the fake engine stays). */
  async restart(): Promise<void> {
    await this.server.stop().catch(() => undefined);
    await this.start();
  }

  async stop(): Promise<void> {
    await this.server?.stop().catch(() => undefined);
    await this.fake?.close().catch(() => undefined);
  }

  /** GET /metrics.json (served to loopback), or null when it does not answer in time. */
  async metrics(): Promise<Record<string, unknown> | null> {
    try {
      const res = await fetch(`${this.baseUrl}/metrics.json`, {
        signal: AbortSignal.timeout(5000),
      });
      return res.ok ? ((await res.json()) as Record<string, unknown>) : null;
    } catch {
      return null;
    }
  }

  /** RSS from /proc and the heap from /metrics (no GC is forced: a rough figure). */
  async memory(): Promise<MemorySample> {
    const metrics = await this.metrics();
    const memory = metrics?.['memory'] as { heapUsed?: number; rss?: number } | undefined;
    return {
      at: new Date().toISOString(),
      rssBytes: this.rss() ?? memory?.rss,
      heapUsedBytes: memory?.heapUsed,
    };
  }

  rss(): number | undefined {
    try {
      const status = readFileSync(`/proc/${this.pid}/status`, 'utf8');
      const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
      return match ? Number(match[1]) * 1024 : undefined;
    } catch {
      return undefined;
    }
  }

  /** Where the logs are now; `logsSince` gives what came after. */
  logCursor(): number {
    return this.server.logs.length;
  }

  logsSince(cursor: number): LogLine[] {
    return this.server.logs.slice(cursor);
  }

  /** Lines of stderr and non-JSON stdout written since the last call (warnings, stack traces). */
  newNoise(): string[] {
    const text = this.server.output();
    const fresh = text.slice(this.#outputSeen);
    this.#outputSeen = text.length;
    return fresh
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line && !line.startsWith('{'));
  }

  /** Waits until the server answers /healthz (after a burst that may have kept it busy). */
  async waitHealthy(timeoutMs = 10_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && this.alive) {
      try {
        const res = await fetch(`${this.baseUrl}/healthz`, { signal: AbortSignal.timeout(2000) });
        if (res.ok) return true;
      } catch {
        // not yet
      }
      await sleep(200);
    }
    return false;
  }
}

/** The per-session stats the server logs when a session's audio pipeline ends. */
export interface PipelineLog {
  received?: number;
  ignored?: number;
  lost?: number;
  late?: number;
  resyncs?: number;
  rateLimited?: number;
  decoded?: number;
  decodeErrors?: number;
  audioMs?: number;
  [key: string]: unknown;
}

/**
 * The session's `audio pipeline ended` line. It is written before the session's `end` event, but
 * reaches the fuzzer through the server's stdout, which may lag the event stream: waits a little.
 */
export async function pipelineLogOf(
  sut: ServerUnderTest,
  sessionId: string,
  timeoutMs = 3000,
): Promise<PipelineLog | undefined> {
  const line = await sut.server
    .waitForLog((l) => l.msg === 'audio pipeline ended' && l['sessionId'] === sessionId, timeoutMs)
    .catch(() => undefined);
  return line as PipelineLog | undefined;
}
