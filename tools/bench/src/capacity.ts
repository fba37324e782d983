/**
 * `npm run bench:capacity`: how many live streams the local Whisper engine sustains in cluster
 * mode on this machine. Redis, one ROLE=api node and N ROLE=worker processes running whisper.cpp
 * in-process on a generated model with tiny.en's real dimensions and size (random weights: words
 * without meaning), with PARTIALS=off so that every engine call is a final. Two decoders
 * (lib/ggml-decoder.ts): `fixed` says 16 tokens per call at once (the compute of a real call),
 * `random` is the generator's (every call runs whisper.cpp's whole temperature fallback: a
 * ceiling). For each setup (workers x WHISPER_THREADS), live sessions stream conversation.wav in
 * real time over WebRTC at rising levels (1, 2, 3, 4, 6, 8 at once) until the final latency p95
 * (the server's `latencyMs`: end of speech to text ready) reaches 5 s.
 *
 * Per level: finals, latency p50/p95 (and end of speech to `final` at the client), utterances
 * completed per second, the workers' mean engine time per job and CPU, the API node's CPU and
 * what other processes on the machine took meanwhile (a shared machine). Saves
 * dist/bench/capacity.json and capacity.md. A measurement, not a test: nothing fails on a number.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { distribution, loadClip, runSession, type SessionOutcome } from '@whisperstream/loadgen';
import {
  FIXTURES,
  startRedis,
  startServer,
  WORKSPACE,
  type RunningRedis,
  type RunningServer,
} from '@whisperstream/server-harness';
import { installWeriftPatches } from '@whisperstream/werift-patches';
import {
  capacityTable,
  levelProblem,
  parseCapacityArgs,
  phasedProgram,
  type CapacityArgs,
  type CapacitySetup,
  type DecoderKind,
  type TableRow,
} from './lib/capacity';
import { fixDecoder } from './lib/ggml-decoder';
import { CLK_TCK, readCpu, type CpuSample } from './lib/proc';

const BINDING = '@spader/node-whisper-cpp-x64-linux-cpu-gnu';
const MODEL_WRITER = 'apps/api/src/app/transcription/whisper/testing/write-tiny-model.cli.ts';
/** whisper.cpp's ggml-tiny.en.bin, for comparison. */
const TINY_EN_BYTES = 77_704_715;
const MEANINGLESS =
  'the models have random weights: their words are meaningless; what is measured is the ' +
  "compute of tiny.en's dimensions (decoders: see tools/bench/README.md)";

const log = (message: string) => process.stdout.write(`[bench:capacity] ${message}\n`);
const label = (s: CapacitySetup) =>
  `${s.workers} worker${s.workers > 1 ? 's' : ''} x ${s.threads} thread${s.threads > 1 ? 's' : ''}`;

/** Busy time of the whole machine (every CPU, every process), ms. */
function machineBusyMs(): number {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  // user nice system idle iowait irq softirq steal, in clock ticks
  const [user, nice, system, , , irq, softirq, steal = 0] = line.split(/\s+/).slice(1).map(Number);
  return ((user + nice + system + irq + softirq + steal) * 1000) / CLK_TCK;
}

interface MetricsJson {
  transcription?: { latency?: Record<string, { engineMs?: { count: number; sum: number } }> };
  cluster?: { workersAlive?: number; jobs?: { worked?: { final?: { completed: number } } } };
}

async function metrics(server: RunningServer): Promise<MetricsJson> {
  return (await (await fetch(`${server.baseUrl}/metrics.json`)).json()) as MetricsJson;
}

/** Final jobs a worker completed since it started. */
async function workerJobs(worker: RunningServer): Promise<number> {
  return (await metrics(worker)).cluster?.jobs?.worked?.final?.completed ?? 0;
}

/** Engine calls and their total time as the API node recorded them (each job's `engineMs`). */
async function engineTime(api: RunningServer): Promise<{ calls: number; ms: number }> {
  const latency = Object.values((await metrics(api)).transcription?.latency ?? {});
  return {
    calls: latency.reduce((n, l) => n + (l.engineMs?.count ?? 0), 0),
    ms: latency.reduce((n, l) => n + (l.engineMs?.sum ?? 0), 0),
  };
}

async function waitForWorkers(api: RunningServer, workers: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ready = await fetch(`${api.baseUrl}/readyz`);
    const alive = (await metrics(api)).cluster?.workersAlive ?? 0;
    if (ready.status === 200 && alive >= workers) return;
    if (Date.now() > deadline) {
      throw new Error(`${alive} of ${workers} workers alive after 60 s: ${await ready.text()}`);
    }
    await new Promise((done) => setTimeout(done, 200));
  }
}

function writeModel(path: string): void {
  const written = spawnSync(
    process.execPath,
    ['-r', '@swc-node/register', MODEL_WRITER, path, '--size', 'tiny.en'],
    {
      cwd: WORKSPACE,
      env: { ...process.env, SWC_NODE_PROJECT: 'apps/api/tsconfig.app.json' },
      encoding: 'utf8',
    },
  );
  if (written.status !== 0) throw new Error(`the model writer failed: ${written.stderr}`);
}

interface LevelResult {
  streams: number;
  sessions: number;
  failedSessions: number;
  errorEvents: number;
  finals: number;
  /** The server's `latencyMs`: end of speech to final text ready, ms. */
  latencyMs: ReturnType<typeof distribution>;
  /** End of the segment's audio (sent) to `final` at the client, ms. */
  clientLagMs: ReturnType<typeof distribution>;
  /** First packet sent to the last session's `end`, s. */
  wallS: number;
  utterancesPerS: number;
  /** Mean time in the engine per job (whisper.cpp's call, in the worker), ms. */
  engineMsMean?: number;
  /** Per worker: final jobs done during the level, and CPU (% of one core). */
  workers: { jobs: number; cpuPct: number }[];
  /** Sum over the workers, % of one core (200 = both cores of this machine). */
  workerCpuPct: number;
  apiCpuPct: number;
  redisCpuPct: number;
  benchCpuPct: number;
  /** The machine's busy time not taken by the processes above, % of one core. */
  othersCpuPct: number;
  held: boolean;
  problem?: string;
  /** What failed sessions said (the first few). */
  errors?: string[];
}

interface SetupRun {
  /** `fixed`, `random`, or `given` (--model). */
  decoder: DecoderKind | 'given';
  model: string;
  setup: CapacitySetup;
  label: string;
  warmup: { sessions: number; finals: number; latencyMs: ReturnType<typeof distribution> };
  levels: LevelResult[];
  /** The largest level whose final latency p95 stayed under the bound (0: none). */
  heldStreams: number;
  /** Why the setup could not be measured (its warm-up failed). */
  problem?: string;
}

async function runSessions(
  api: RunningServer,
  programs: Buffer[][],
): Promise<{ outcomes: SessionOutcome[]; wallS: number }> {
  const stop = new AbortController();
  const started = Date.now();
  const outcomes = await Promise.all(
    programs.map(async (program, index) => {
      // A little apart, so that the set-ups do not all land on the same instant.
      await new Promise((done) => setTimeout(done, index * 100));
      return runSession({
        baseUrl: api.baseUrl,
        index,
        worker: 0,
        program,
        stop: stop.signal,
        connectTimeoutMs: 20_000,
        // An overloaded level drains its backlog after bye (SHUTDOWN_TIMEOUT_MS below).
        endTimeoutMs: 200_000,
        language: 'en',
      });
    }),
  );
  const firstPacket = Math.min(...outcomes.map((o) => o.streamStartAt ?? started));
  return { outcomes, wallS: (Date.now() - firstPacket) / 1000 };
}

async function runLevel(
  streams: number,
  args: CapacityArgs,
  frames: Buffer[],
  api: RunningServer,
  workers: RunningServer[],
  redis: RunningRedis,
): Promise<LevelResult> {
  const programs = Array.from({ length: streams }, (_, i) =>
    phasedProgram(frames, i, streams, args.passes),
  );
  const pids = {
    workers: workers.map((w) => w.process.pid ?? 0),
    api: api.process.pid ?? 0,
    redis: redis.process.pid ?? 0,
    bench: process.pid,
  };
  const jobsBefore = await Promise.all(workers.map(workerJobs));
  const engineBefore = await engineTime(api);
  const cpu0 = {
    workers: pids.workers.map(readCpu),
    api: readCpu(pids.api),
    redis: readCpu(pids.redis),
    bench: readCpu(pids.bench),
    machine: machineBusyMs(),
  };
  const { outcomes, wallS } = await runSessions(api, programs);
  const cpu1 = {
    workers: pids.workers.map(readCpu),
    api: readCpu(pids.api),
    redis: readCpu(pids.redis),
    bench: readCpu(pids.bench),
    machine: machineBusyMs(),
  };
  const jobsAfter = await Promise.all(workers.map(workerJobs));
  const engineAfter = await engineTime(api);
  const engineCalls = engineAfter.calls - engineBefore.calls;
  const wallMs = cpu1.api.at - cpu0.api.at;
  const pct = (a: CpuSample, b: CpuSample) => ((b.cpuMs - a.cpuMs) / wallMs) * 100;
  const workerCpu = cpu0.workers.map((a, i) => pct(a, cpu1.workers[i]));
  const apiCpuPct = pct(cpu0.api, cpu1.api);
  const redisCpuPct = pct(cpu0.redis, cpu1.redis);
  const benchCpuPct = pct(cpu0.bench, cpu1.bench);
  const machinePct = ((cpu1.machine - cpu0.machine) / wallMs) * 100;
  const workerCpuPct = workerCpu.reduce((a, b) => a + b, 0);
  const ours = workerCpuPct + apiCpuPct + redisCpuPct + benchCpuPct;

  const finals = outcomes.reduce((n, o) => n + o.finals, 0);
  const latencyMs = distribution(outcomes.flatMap((o) => o.finalLatencyMs));
  const verdict = {
    sessions: outcomes.length,
    failedSessions: outcomes.filter((o) => o.failedStage !== undefined).length,
    errorEvents: outcomes.reduce((n, o) => n + o.errorEvents, 0),
    finals,
    latencyP95Ms: latencyMs.p95,
  };
  const problem = levelProblem(verdict, args.maxP95Ms);
  const errors = outcomes.flatMap((o) =>
    o.failedStage ? [`${o.failedStage}: ${o.errors.join('; ')}`] : [],
  );
  const round1 = (v: number) => Math.round(v * 10) / 10;
  return {
    streams,
    ...verdict,
    latencyMs,
    clientLagMs: distribution(outcomes.flatMap((o) => o.finalClientLagMs)),
    wallS: round1(wallS),
    utterancesPerS: Math.round((finals / wallS) * 100) / 100,
    ...(engineCalls > 0
      ? { engineMsMean: Math.round((engineAfter.ms - engineBefore.ms) / engineCalls) }
      : {}),
    workers: jobsAfter.map((jobs, i) => ({
      jobs: jobs - jobsBefore[i],
      cpuPct: round1(workerCpu[i]),
    })),
    workerCpuPct: round1(workerCpuPct),
    apiCpuPct: round1(apiCpuPct),
    redisCpuPct: round1(redisCpuPct),
    benchCpuPct: round1(benchCpuPct),
    othersCpuPct: round1(Math.max(0, machinePct - ours)),
    held: problem === undefined,
    ...(problem ? { problem } : {}),
    ...(errors.length ? { errors: errors.slice(0, 5) } : {}),
  };
}

/** The servers' output, for a level where sessions failed: dist/bench/capacity-logs/. */
function saveLogs(args: CapacityArgs, name: string, api: RunningServer, workers: RunningServer[]) {
  const dir = resolve(args.out, 'capacity-logs');
  mkdirSync(dir, { recursive: true });
  const file = resolve(dir, `${name}.log`);
  const parts = [
    `== api\n${api.output()}`,
    ...workers.map((w, i) => `== worker ${i + 1}\n${w.output()}`),
  ];
  writeFileSync(file, parts.join('\n'));
  log(`sessions failed: the servers' output is in ${file}`);
}

async function runSetup(
  setup: CapacitySetup,
  args: CapacityArgs,
  model: { kind: DecoderKind | 'given'; path: string },
) {
  const redis = await startRedis();
  const base = {
    REDIS_URL: redis.url,
    TRANSCRIPTION_ENGINE: 'whisper',
    WHISPER_MODEL: model.path,
    WHISPER_THREADS: String(setup.threads),
    PARTIALS: 'off',
    MAX_SESSIONS: '1000',
    SESSION_RATE_LIMIT_PER_MINUTE: '100000',
    // A closing session waits this long for its last finals: an overloaded level still
    // delivers (and measures) every utterance instead of cutting them at 10 s.
    SHUTDOWN_TIMEOUT_MS: '180000',
    // The load generator's event stream gives up after 10 s without a byte (its answer timeout
    // stays armed), and the server's keep-alive comes every 15 s by default: a final more than
    // 10 s away would cost the session its stream. A keep-alive every 2 s keeps it open.
    SSE_KEEPALIVE_MS: '2000',
    LOG_LEVEL: process.env['BENCH_SERVER_LOG_LEVEL'] ?? 'warn',
  };
  const workers: RunningServer[] = [];
  let api: RunningServer | undefined;
  const clip = loadClip(args.clip);
  const warm = loadClip(args.warmClip);
  try {
    for (let i = 0; i < setup.workers; i++) {
      workers.push(await startServer({ ...base, ROLE: 'worker', NODE_ID: `worker-${i + 1}` }));
    }
    api = await startServer({ ...base, ROLE: 'api', NODE_ID: 'api-1' });
    await waitForWorkers(api, setup.workers);
    // One short utterance per worker first: the first calls of a fresh model are slower.
    const warmup = await runSessions(
      api,
      workers.map(() => warm.frames),
    );
    const run: SetupRun = {
      decoder: model.kind,
      model: model.path,
      setup,
      label: `${model.kind} decoder, ${label(setup)}`,
      warmup: {
        sessions: warmup.outcomes.length,
        finals: warmup.outcomes.reduce((n, o) => n + o.finals, 0),
        latencyMs: distribution(warmup.outcomes.flatMap((o) => o.finalLatencyMs)),
      },
      levels: [],
      heldStreams: 0,
    };
    const warmFailed = warmup.outcomes.find((o) => o.failedStage !== undefined);
    if (warmFailed) {
      saveLogs(args, `${model.kind}-${setup.workers}x${setup.threads}-warmup`, api, workers);
      run.problem = `a warm-up session failed (${warmFailed.failedStage}): ${warmFailed.errors}`;
      log(`${run.label}: not measured: ${run.problem}`);
      return run;
    }
    log(`${run.label}: warmed up (final latency ${run.warmup.latencyMs.max} ms)`);
    for (const streams of args.levels) {
      const level = await runLevel(streams, args, clip.frames, api, workers, redis);
      run.levels.push(level);
      log(
        `${run.label}: ${streams} stream(s): ${level.finals} finals, latency p50/p95 ` +
          `${level.latencyMs.p50}/${level.latencyMs.p95} ms, ${level.utterancesPerS} utterances/s, ` +
          `workers ${level.workerCpuPct} % CPU, others ${level.othersCpuPct} %` +
          (level.held ? '' : `: not held (${level.problem})`),
      );
      if (level.failedSessions > 0)
        saveLogs(args, `${model.kind}-${setup.workers}x${setup.threads}-${streams}`, api, workers);
      if (!level.held) break;
      run.heldStreams = streams;
    }
    return run;
  } finally {
    await api?.stop();
    await Promise.all(workers.map((worker) => worker.stop()));
    await redis.stop();
  }
}

async function main(): Promise<void> {
  const args = parseCapacityArgs(process.argv.slice(2), {
    fixtures: FIXTURES,
    workspace: WORKSPACE,
  });
  try {
    require.resolve(BINDING);
  } catch {
    throw new Error(`${BINDING} is not installed (it exists for x64 Linux with glibc only)`);
  }
  installWeriftPatches();
  const models: { kind: DecoderKind | 'given'; path: string }[] = [];
  if (args.model) {
    models.push({ kind: 'given', path: args.model });
  } else {
    const dir = resolve(WORKSPACE, 'tmp/bench-capacity');
    mkdirSync(dir, { recursive: true });
    const random = resolve(dir, 'ggml-tiny.en-random.bin');
    writeModel(random);
    for (const kind of args.decoders) {
      if (kind === 'random') {
        models.push({ kind, path: random });
      } else {
        const path = resolve(dir, `ggml-tiny.en-fixed${args.tokens}.bin`);
        writeFileSync(path, fixDecoder(readFileSync(random), { tokens: args.tokens }));
        models.push({ kind, path });
      }
    }
  }
  const modelBytes = statSync(models[0].path).size;
  log(
    `models: ${models.map((m) => m.path).join(', ')}: ${(modelBytes / 1e6).toFixed(1)} MB ` +
      `(ggml-tiny.en.bin: ${(TINY_EN_BYTES / 1e6).toFixed(1)} MB)`,
  );
  log(MEANINGLESS);
  const startedAt = new Date().toISOString();
  const loadAverageAtStart = loadavg();
  const runs: SetupRun[] = [];
  for (const model of models) {
    for (const setup of args.setups) runs.push(await runSetup(setup, args, model));
  }

  const rows: TableRow[] = runs.flatMap((run) =>
    run.levels.map((l) => ({
      decoder: run.decoder === 'fixed' ? `fixed (${args.tokens} tokens)` : run.decoder,
      setup: label(run.setup),
      streams: l.streams,
      finals: l.finals,
      p50: l.latencyMs.p50,
      p95: l.latencyMs.p95,
      clientP95: l.clientLagMs.p95,
      utterancesPerS: l.utterancesPerS,
      engineMsMean: l.engineMsMean,
      workerCpuPct: l.workerCpuPct,
      othersCpuPct: l.othersCpuPct,
      verdict: l.held ? 'yes' : `no: ${l.problem}`,
    })),
  );
  const table = capacityTable(rows);
  const report = {
    startedAt,
    machine: { cpus: cpus().length, model: cpus()[0]?.model, loadAverageAtStart },
    models: { paths: models, bytes: modelBytes, tinyEnBytes: TINY_EN_BYTES, note: MEANINGLESS },
    fixedDecoderTokens: args.tokens,
    clip: args.clip,
    passes: args.passes,
    maxP95Ms: args.maxP95Ms,
    partials: 'off',
    runs,
    summary: runs.map((r) => ({ run: r.label, heldStreams: r.heldStreams })),
  };
  mkdirSync(args.out, { recursive: true });
  const file = resolve(args.out, 'capacity.json');
  writeFileSync(file, JSON.stringify(report, null, 2));
  writeFileSync(resolve(args.out, 'capacity.md'), `${table}\n`);
  process.stdout.write(`\n${table}\n\n`);
  for (const r of runs) {
    log(
      `${r.label}: largest level held (final latency p95 < ${args.maxP95Ms} ms): ${r.heldStreams}`,
    );
  }
  log(MEANINGLESS);
  log(`saved ${file}`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `bench:capacity failed: ${error instanceof Error ? error.stack : String(error)}\n`,
  );
  process.exit(1);
});
