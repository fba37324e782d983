import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FakeOpenAiServer } from '@whisperstream/fake-openai';
import { startServer, type RunningServer } from '@whisperstream/server-harness';
import {
  distribution,
  startLoad,
  summarize,
  type Distribution,
  type LoadOptions,
  type LoadResult,
  type SessionOutcome,
} from '@whisperstream/loadgen';
import { ELD_RESOLUTION_MS, Inspector, type LoopDelay } from './inspector';
import { HealthzPinger } from './pinger';
import {
  allowedCpus,
  cpuPercent,
  hasTaskset,
  pin,
  readCpu,
  readFds,
  readRss,
  readThreads,
  threadPercent,
  readCores,
  corePercent,
  type FdCounts,
} from './proc';
import { summarizeProfile, type ProfileSummary } from './profile';
import { pipelineStatsBySession, totalPipelineStats, type PipelineTotals } from './server-logs';

export interface BenchConfig {
  outDir: string;
  clipFrames: Buffer[];
  clipPath: string;
  workers: number;
  /** Step-up levels (live sessions). */
  levels: number[];
  /** Sessions started per second during a step. */
  ramp: number;
  /** Steady-state measurement window per level, seconds. */
  windowS: number;
  /** Time budget of the whole step-up, seconds. */
  stepBudgetS: number;
  /** Event-loop lag p99 above which a level does not hold, ms. */
  lagLimitMs: number;
  /** Sessions profiled in steady state (0: no profile). */
  profileSessions: number;
  pinCpus: boolean;
  /** Extra server environment. */
  serverEnv: Record<string, string>;
  /** A script preloaded into the server (NODE_OPTIONS=--require), to try a patch unedited. */
  serverPreload?: string;
  log: (text: string) => void;
}

export interface Snapshot {
  at: number;
  rssBytes: number;
  heapUsedBytes?: number;
  fds: FdCounts;
  activeResources?: Record<string, number>;
}

/** The loop-delay figures with the monitor's own resolution taken off (lag, not interval). */
export interface Lag {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  samples: number;
}

export interface LevelResult {
  target: number;
  /** Set on an attempt that other load on the machine spoiled (it was measured again). */
  retryOf?: number;
  /** Sessions streaming during the whole window. */
  live: number;
  held: boolean;
  reasons: string[];
  steady: boolean;
  serverCpuPct?: number;
  cpuPctPerSession?: number;
  cpuPctPerSessionAboveIdle?: number;
  rssDeltaBytes?: number;
  rssPerSessionBytes?: number;
  heapPerSessionBytes?: number;
  lag?: Lag;
  healthzRttMs?: Distribution;
  udpDropsInWindow?: number;
  pipeline: PipelineTotals;
  packetsSent: number;
  load: ReturnType<typeof summarize>;
  clientCpuPct?: number;
  /** % busy of each CPU in the window, and how much of CPU 0 was NOT the server (other load). */
  cores?: number[];
  foreignOnServerCorePct?: number;
  /** CPU of the bench process itself (fake engine, log reader, pinger), % of a core. */
  benchCpuPct?: number;
  /** Server log lines written during the window, by `msg` (a blocked stdout stalls the loop). */
  logLinesInWindow?: Record<string, number>;
  /** Server CPU split: user / system time and % of a core per thread name. */
  serverThreads?: ReturnType<typeof threadPercent>;
}

export interface SetupResult {
  label: string;
  sessions: number;
  failed: number;
  failures: string[];
  iceConnectedMs: Distribution;
  connectedMs: Distribution;
  dtlsAfterIceMs: Distribution;
  answerMs: Distribution;
  /** p50 of each step, ms from POST /api/sessions (where the time goes). */
  stepsP50Ms: Record<string, number | undefined>;
  serverCpuPct?: number;
  /** Server CPU time per session over the whole run (set-up, 1 s of audio, close), ms. */
  serverCpuMsPerSession: number;
  /** The load generator's CPU time per session over the same, ms (its own cost). */
  clientCpuMsPerSession: number;
}

/** Runs the server (pinned), the fake engine and the load generator; measures from outside. */
export class Bench {
  server!: RunningServer;
  fake!: FakeOpenAiServer;
  inspector: Inspector | null = null;
  pinned = { server: false, client: false, taskset: false, note: '' };
  private pinger!: HealthzPinger;

  constructor(readonly config: BenchConfig) {}

  get pid(): number {
    const pid = this.server.process.pid;
    if (pid === undefined) throw new Error('the server has no pid');
    return pid;
  }

  async start(extraEnv: Record<string, string> = {}): Promise<void> {
    const { log } = this.config;
    this.fake = await FakeOpenAiServer.start({ apiKey: 'bench-key', recognizer: 'describe' });
    this.server = await startServer({
      TRANSCRIPTION_ENGINE: 'openai',
      OPENAI_API_KEY: 'bench-key',
      OPENAI_BASE_URL: this.fake.baseUrl,
      MAX_SESSIONS: '100000',
      SESSION_RATE_LIMIT_PER_MINUTE: '1000000',
      // `audio pipeline ended` (loss, decode errors) is an info line: warn would hide it.
      LOG_LEVEL: 'info',
      // Lets the bench read the event-loop delay, heap and handles inside the unmodified server.
      NODE_OPTIONS: [
        '--inspect=127.0.0.1:0',
        ...(this.config.serverPreload ? [`--require=${this.config.serverPreload}`] : []),
      ].join(' '),
      ...this.config.serverEnv,
      ...extraEnv,
    });
    log(`server pid ${this.pid} on ${this.server.baseUrl}`);
    this.pinCpus();
    const url = Inspector.findUrl(this.server.output());
    if (url) {
      this.inspector = await Inspector.connect(url);
      await this.inspector.startLoopDelay();
    } else {
      log('no inspector URL in the server output: in-process lag/heap/handles unavailable');
    }
    this.pinger = new HealthzPinger(this.server.baseUrl, 100);
  }

  private pinCpus(): void {
    this.pinned.taskset = hasTaskset();
    const cpus = allowedCpus();
    if (!this.config.pinCpus) {
      this.pinned.note = 'pinning disabled (--no-pin)';
    } else if (!this.pinned.taskset) {
      this.pinned.note = 'taskset not found: server and load generator share all cores';
    } else if (!/^0-[1-9]/.test(cpus) && !/^0,1/.test(cpus)) {
      this.pinned.note = `only CPUs ${cpus} available: not pinned`;
    } else {
      this.pinned.server = pin(this.pid, '0');
      // The bench (load workers it forks inherit this) and the fake engine on core 1.
      this.pinned.client = pin(process.pid, '1');
      this.pinned.note = `server on CPU 0 (${this.pinned.server ? 'ok' : 'failed'}), bench + load workers + fake engine on CPU 1 (${this.pinned.client ? 'ok' : 'failed'})`;
    }
    this.config.log(this.pinned.note);
  }

  async stop(): Promise<void> {
    this.pinger?.close();
    await this.inspector?.close();
    await this.server?.stop();
    await this.fake?.close();
  }

  async snapshot(gc = false): Promise<Snapshot> {
    if (gc && this.inspector) {
      await this.inspector.collectGarbage();
      await sleep(200);
      await this.inspector.collectGarbage();
    }
    const memory = await this.inspector?.memoryUsage().catch(() => undefined);
    const activeResources = await this.inspector?.activeResources().catch(() => undefined);
    return {
      at: Date.now(),
      rssBytes: readRss(this.pid),
      heapUsedBytes: memory?.heapUsed,
      fds: readFds(this.pid),
      activeResources,
    };
  }

  async resetLag(): Promise<void> {
    await this.inspector?.loopDelay(true);
  }

  async readLag(): Promise<Lag | undefined> {
    const d: LoopDelay | undefined = await this.inspector?.loopDelay(true);
    if (!d || d.count === 0) return undefined;
    const lag = (v: number) => Math.max(0, Math.round((v - ELD_RESOLUTION_MS) * 10) / 10);
    return { p50Ms: lag(d.p50), p99Ms: lag(d.p99), maxMs: lag(d.max), samples: d.count };
  }

  /** Open sessions on the server (GET /readyz reports them). */
  async openSessions(): Promise<number> {
    const res = await fetch(`${this.server.baseUrl}/readyz`);
    const body = (await res.json()) as { sessions?: number };
    return body.sessions ?? -1;
  }

  async waitForNoSessions(timeoutMs = 30_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if ((await this.openSessions()) === 0) return true;
      await sleep(250);
    }
    return false;
  }

  /** Idle server: CPU, lag and memory over `seconds`. */
  async idle(seconds: number): Promise<{ cpuPct: number; lag?: Lag; snapshot: Snapshot }> {
    await this.resetLag();
    const c0 = readCpu(this.pid);
    await sleep(seconds * 1000);
    const c1 = readCpu(this.pid);
    return {
      cpuPct: cpuPercent(c0, c1),
      lag: await this.readLag(),
      snapshot: await this.snapshot(),
    };
  }

  private loadOptions(over: Partial<LoadOptions>): LoadOptions {
    return {
      url: this.server.baseUrl,
      sessions: 1,
      ramp: this.config.ramp,
      workers: this.config.workers,
      durationS: 2,
      ...over,
    };
  }

  /** Set-up timings: `count` sessions one after another, or all at once. */
  async setup(label: string, count: number, together: boolean, repeats = 1): Promise<SetupResult> {
    const outcomes: SessionOutcome[] = [];
    const c0 = readCpu(this.pid);
    let clientCpuMs = 0;
    if (together) {
      for (let r = 0; r < repeats; r++) {
        const run = startLoad(
          this.loadOptions({ sessions: count, ramp: Infinity, durationS: 1 }),
          this.config.clipFrames,
          { onWarning: (t) => this.config.log(t.trimEnd()) },
        );
        const result = await run.done;
        outcomes.push(...result.outcomes);
        clientCpuMs += result.clientCpuMs;
        await this.waitForNoSessions();
      }
    } else {
      for (let i = 0; i < count; i++) {
        const run = startLoad(
          this.loadOptions({ sessions: 1, workers: 0, durationS: 1 }),
          this.config.clipFrames,
        );
        const result = await run.done;
        outcomes.push(...result.outcomes.map((o) => ({ ...o, index: i })));
        clientCpuMs += result.clientCpuMs;
      }
    }
    await this.waitForNoSessions();
    const c1 = readCpu(this.pid);
    const d = (f: (o: SessionOutcome) => number | undefined) =>
      distribution(outcomes.map(f).filter((v): v is number => v !== undefined));
    return {
      label,
      sessions: outcomes.length,
      failed: outcomes.filter((o) => o.failedStage).length,
      failures: outcomes.flatMap((o) =>
        o.failedStage ? [`${o.failedStage}: ${o.errors[0] ?? ''}`] : [],
      ),
      iceConnectedMs: d((o) => o.iceConnectedMs),
      connectedMs: d((o) => o.connectedMs),
      dtlsAfterIceMs: d((o) => o.dtlsAfterIceMs),
      answerMs: d((o) => o.answerMs),
      stepsP50Ms: {
        created: d((o) => o.createMs).p50,
        eventsOpen: d((o) => o.eventsOpenMs).p50,
        socketOpen: d((o) => o.socketOpenMs).p50,
        offerPosted: d((o) => o.offerPostedMs).p50,
        answer: d((o) => o.answerMs).p50,
        iceConnected: d((o) => o.iceConnectedMs).p50,
        connected: d((o) => o.connectedMs).p50,
      },
      serverCpuPct: together && repeats === 1 ? cpuPercent(c0, c1) : undefined,
      serverCpuMsPerSession: r2((c1.cpuMs - c0.cpuMs) / Math.max(1, outcomes.length)),
      clientCpuMsPerSession: r2(clientCpuMs / Math.max(1, outcomes.length)),
    };
  }

  /**
   * One step: `target` sessions on the ramp, a steady window once they all stream, then stop.
   * `profile` takes a CPU profile of the window instead of (not as well as) clean CPU figures.
   */
  async level(
    target: number,
    idleCpuPct: number,
    profile?: (p: ProfileSummary, raw: unknown) => void,
  ): Promise<LevelResult> {
    const { log, windowS } = this.config;
    let streaming = 0;
    let failed = 0;
    let stoppedEarly = 0;
    const before = await this.snapshot();
    const run = startLoad(
      this.loadOptions({ sessions: target, durationS: 3600 }),
      this.config.clipFrames,
      {
        onProgress: (e) => {
          if (e.kind === 'streaming') streaming++;
          else if (e.kind === 'stopped') {
            streaming--;
            stoppedEarly++;
          } else if (e.kind === 'failed') failed++;
        },
        onWarning: (t) => log(t.trimEnd()),
      },
    );
    // Wait for every session to stream (or fail); set-up of a big step takes a while.
    const rampS = target / this.config.ramp;
    const deadline = Date.now() + (rampS + 30) * 1000;
    while (streaming + failed < target && Date.now() < deadline) await sleep(200);
    await sleep(2000); // let the set-up spike settle
    const live0 = streaming;
    const stopped0 = stoppedEarly;
    let window: Partial<LevelResult> = {};
    if (live0 > 0) {
      await this.resetLag();
      const fd0 = readFds(this.pid);
      const c0 = readCpu(this.pid);
      const t0 = readThreads(this.pid);
      const logs0 = this.server.logs.length;
      const k0 = readCores();
      const self0 = process.cpuUsage();
      const wall0 = Date.now();
      const w0 = run.workerPids.map((p) => safeCpu(p));
      this.pinger.start();
      if (profile && this.inspector) await this.inspector.startProfile();
      await sleep(windowS * 1000);
      const raw = profile && this.inspector ? await this.inspector.stopProfile() : undefined;
      const c1 = readCpu(this.pid);
      const t1 = readThreads(this.pid);
      const self1 = process.cpuUsage(self0);
      const cores = corePercent(k0, readCores());
      const benchCpuPct = ((self1.user + self1.system) / 1000 / (Date.now() - wall0)) * 100;
      const logLinesInWindow: Record<string, number> = {};
      for (const line of this.server.logs.slice(logs0)) {
        const key = String(line.msg ?? '?');
        logLinesInWindow[key] = (logLinesInWindow[key] ?? 0) + 1;
      }
      const w1 = run.workerPids.map((p) => safeCpu(p));
      const rtts = this.pinger.stop();
      const lag = await this.readLag();
      const fd1 = readFds(this.pid);
      const during = await this.snapshot();
      const serverCpuPct = cpuPercent(c0, c1);
      const clientCpuPct = w0.reduce<number>((sum, s, i) => {
        const e = w1[i];
        return s && e ? sum + cpuPercent(s, e) : sum;
      }, 0);
      const live = Math.min(live0, streaming);
      window = {
        steady: stoppedEarly === stopped0,
        live,
        serverCpuPct: r2(serverCpuPct),
        cpuPctPerSession: r2(serverCpuPct / live),
        cpuPctPerSessionAboveIdle: r2((serverCpuPct - idleCpuPct) / live),
        rssDeltaBytes: during.rssBytes - before.rssBytes,
        rssPerSessionBytes: Math.round((during.rssBytes - before.rssBytes) / live),
        heapPerSessionBytes:
          during.heapUsedBytes !== undefined && before.heapUsedBytes !== undefined
            ? Math.round((during.heapUsedBytes - before.heapUsedBytes) / live)
            : undefined,
        lag,
        healthzRttMs: distribution(rtts),
        udpDropsInWindow: fd1.udpDrops - fd0.udpDrops,
        clientCpuPct: r2(clientCpuPct),
        serverThreads: threadPercent(t0, t1),
        benchCpuPct: r2(benchCpuPct),
        cores,
        foreignOnServerCorePct: this.pinned.server
          ? r2(Math.max(0, (cores[0] ?? 0) - serverCpuPct))
          : undefined,
        logLinesInWindow,
      };
      if (raw) profile?.(summarizeProfile(raw), raw);
    }
    run.stop();
    const result: LoadResult = await run.done;
    await this.waitForNoSessions();
    await sleep(300); // the last `audio pipeline ended` lines
    const ids = result.outcomes.flatMap((o) => (o.sessionId ? [o.sessionId] : []));
    const pipeline = totalPipelineStats(pipelineStatsBySession(this.server.logs), ids);
    const load = result.summary;
    const reasons: string[] = [];
    if (load.failed > 0)
      reasons.push(`${load.failed} session(s) failed (${JSON.stringify(load.failuresByStage)})`);
    if (pipeline.lost + pipeline.late > 0)
      reasons.push(`RTP lost ${pipeline.lost}, late ${pipeline.late}`);
    if (pipeline.decodeErrors > 0) reasons.push(`${pipeline.decodeErrors} decode errors`);
    if (pipeline.received < load.packetsSent) {
      reasons.push(`server received ${pipeline.received} of ${load.packetsSent} packets sent`);
    }
    if ((window.udpDropsInWindow ?? 0) > 0)
      reasons.push(`${window.udpDropsInWindow} UDP drops in the kernel`);
    if (window.lag && window.lag.p99Ms >= this.config.lagLimitMs) {
      reasons.push(`event-loop lag p99 ${window.lag.p99Ms} ms`);
    }
    if (
      !window.lag &&
      window.healthzRttMs?.p99 !== undefined &&
      window.healthzRttMs.p99 >= this.config.lagLimitMs
    ) {
      reasons.push(`/healthz RTT p99 ${window.healthzRttMs.p99} ms (proxy)`);
    }
    if (window.steady === false) reasons.push('sessions stopped during the window');
    if ((window.foreignOnServerCorePct ?? 0) > 10 && reasons.length > 0) {
      reasons.push(
        `other processes used ${window.foreignOnServerCorePct} % of the server's core: not a clean measurement`,
      );
    }
    // The load generator shares one core: when it saturates, the figures describe it, not the server.
    const clientBound = (window.clientCpuPct ?? 0) >= 90 || (load.clientMaxLateMs.p95 ?? 0) > 40;
    if (clientBound && reasons.length > 0) {
      reasons.push(
        `load generator saturated (CPU ${window.clientCpuPct} %, packet lateness p95 ${load.clientMaxLateMs.p95} ms): the limit may be the client's`,
      );
    }
    if (live0 === 0) reasons.push('no session reached streaming');
    return {
      target,
      live: window.live ?? 0,
      held: reasons.length === 0,
      reasons,
      steady: window.steady ?? false,
      ...window,
      pipeline,
      packetsSent: load.packetsSent,
      load,
    };
  }

  writeFile(name: string, content: string): string {
    mkdirSync(this.config.outDir, { recursive: true });
    const path = join(this.config.outDir, name);
    writeFileSync(path, content);
    return path;
  }
}

function safeCpu(pid: number) {
  try {
    return pid > 0 ? readCpu(pid) : undefined;
  } catch {
    return undefined;
  }
}

function r2(v: number): number {
  return Math.round(v * 100) / 100;
}
