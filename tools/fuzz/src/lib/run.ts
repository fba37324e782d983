import { createSocket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { FIXTURES } from '@whisperstream/server-harness';
import { encodeOpusFrames, readWav, silenceFrames, toMono } from '@whisperstream/webrtc-client';
import {
  isDefect,
  TargetTally,
  type Budget,
  type Finding,
  type MemorySample,
  type TargetResult,
} from './findings';
import { ServerUnderTest } from './server';
import type { AudioFrames, TargetContext } from './targets/context';
import { fuzzHttp } from './targets/http';
import { fuzzRtp } from './targets/rtp';
import { fuzzSdp } from './targets/sdp';
import { fuzzUdp } from './targets/udp';
import { fuzzWs } from './targets/ws';

export const TARGETS = ['sdp', 'ws', 'http', 'udp', 'rtp'] as const;
export type TargetName = (typeof TARGETS)[number];

const UNITS: Record<TargetName, string> = {
  sdp: 'offers',
  ws: 'messages',
  http: 'requests',
  udp: 'datagrams',
  rtp: 'hostile packets',
};

const RUNNERS: Record<TargetName, (ctx: TargetContext) => Promise<void>> = {
  sdp: fuzzSdp,
  ws: fuzzWs,
  http: fuzzHttp,
  udp: fuzzUdp,
  rtp: fuzzRtp,
};

/** Default size of each target: whichever of count and seconds comes first. */
export const DEFAULT_BUDGETS: Record<TargetName, Budget> = {
  sdp: { count: 20_000, seconds: 60 },
  ws: { count: 10_000, seconds: 45 },
  http: { count: 30_000, seconds: 45 },
  udp: { count: 60_000, seconds: 60 },
  rtp: { count: 3000, seconds: 60 },
};

export interface FuzzOptions {
  seed: number;
  targets: readonly TargetName[];
  budgets: Record<TargetName, Budget>;
  /** Datagrams a second at the ICE port. */
  udpRate: number;
  /** Accepted offers tried with a real peer. */
  connectChecks: number;
  /** Speech streamed during the UDP target (default: conversation.wav, 17.6 s). */
  longClip: string;
  /** Speech that must be transcribed after hostile RTP (default: goforward.wav, 2.8 s). */
  shortClip: string;
  log: (text: string) => void;
}

export interface FuzzReport {
  seed: number;
  startedAt: string;
  durationS: number;
  machine: { cpus: number; model: string; node: string };
  options: Omit<FuzzOptions, 'log'>;
  targets: TargetResult[];
  memory: { start?: MemorySample; end?: MemorySample };
  /** Server processes: more than one means a crash and a restart. */
  serverProcesses: number;
  defects: Finding[];
  notes: number;
  replay: string;
}

export function defaultClips(): Pick<FuzzOptions, 'longClip' | 'shortClip'> {
  return {
    longClip: resolve(FIXTURES, 'conversation.wav'),
    shortClip: resolve(FIXTURES, 'goforward.wav'),
  };
}

function loadFrames(path: string): Buffer[] {
  const wav = readWav(readFileSync(path));
  return encodeOpusFrames(toMono(wav.samples, wav.channels), wav.sampleRate);
}

/**
 * Starts the built server and the fake engine, runs the chosen targets one after another (each
 * bounded in count and time, each with its own generator derived from the seed), and returns
 * the report. Traffic only ever goes to 127.0.0.1.
 */
export async function runFuzz(options: FuzzOptions): Promise<FuzzReport> {
  const { log } = options;
  const started = Date.now();
  const audio: AudioFrames = {
    long: loadFrames(options.longClip),
    short: loadFrames(options.shortClip),
    silence: silenceFrames(20)[0],
  };
  // Valid candidates and offers point at this socket: no check ever leaves the machine.
  const sink = createSocket('udp4');
  await new Promise<void>((done) => sink.bind(0, '127.0.0.1', done));
  sink.on('message', () => undefined);
  const sinkPort = sink.address().port;

  const sut = new ServerUnderTest();
  await sut.start();
  log(`server pid ${sut.pid} on ${sut.baseUrl}`);
  const results: TargetResult[] = [];
  const memoryStart = await sut.memory();
  let memoryEnd: MemorySample | undefined;
  try {
    for (const target of options.targets) {
      const tally = new TargetTally(target, UNITS[target]);
      const budget = options.budgets[target];
      const ctx: TargetContext = {
        sut,
        seed: options.seed,
        budget,
        tally,
        log,
        sinkPort,
        audio,
        udpRate: options.udpRate,
        connectChecks: options.connectChecks,
        checkAlive: async (caseIndex, input, raw) => {
          if (sut.alive) return true;
          tally.find({ kind: 'crash', caseIndex, input, detail: sut.crashReport(), raw });
          log(`${target}: the server died at case ${caseIndex}; starting a new one`);
          await sut.restart();
          return false;
        },
      };
      log(
        `${target}: up to ${budget.count} ${UNITS[target]} or ${budget.seconds} s (seed ${options.seed})`,
      );
      tally.result.memoryBefore = await sut.memory();
      const logCursor = sut.logCursor();
      sut.newNoise();
      try {
        await RUNNERS[target](ctx);
      } catch (error) {
        tally.find({
          kind: 'note',
          caseIndex: -1,
          input: target,
          detail: `the target stopped on an error of the fuzzer: ${(error as Error).stack ?? String(error)}`,
        });
        tally.finish('error');
      }
      if (!(await ctx.checkAlive(tally.result.count, 'after the target')))
        log(`${target}: restarted the server`);
      await sut.waitHealthy();
      tally.result.memoryAfter = await sut.memory();
      serverNoise(sut, tally, logCursor);
      results.push(tally.result);
      log(`${target}: ${summaryLine(tally.result)}`);
    }
  } finally {
    memoryEnd = await sut.memory().catch(() => undefined);
    await sut.stop();
    sink.close();
  }
  for (const r of results)
    r.findings.sort((a, b) => Number(isDefect(b.kind)) - Number(isDefect(a.kind)));
  return {
    seed: options.seed,
    startedAt: new Date(started).toISOString(),
    durationS: Math.round((Date.now() - started) / 1000),
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? '?', node: process.version },
    options: { ...options, log: undefined } as Omit<FuzzOptions, 'log'>,
    targets: results,
    memory: { start: memoryStart, end: memoryEnd },
    serverProcesses: sut.generations.length,
    defects: results.flatMap((r) => r.findings.filter((f) => isDefect(f.kind))),
    notes: results.reduce((n, r) => n + r.findings.filter((f) => !isDefect(f.kind)).length, 0),
    replay: `npm run fuzz -- --seed ${options.seed} --target ${options.targets.join(',')}`,
  };
}

/** Errors the server logged and lines it wrote outside its JSON log (warnings, stack traces). */
function serverNoise(sut: ServerUnderTest, tally: TargetTally, cursor: number): void {
  const logs = sut.logsSince(cursor);
  const errors = logs.filter((l) => l.level === 'error' || l.level === 'fatal');
  for (const line of errors.slice(0, 5)) {
    tally.find({
      kind: 'server_log',
      caseIndex: -1,
      input: 'server log',
      detail: JSON.stringify(line).slice(0, 500),
    });
  }
  tally.stat('server-error-logs', errors.length);
  const noise = sut.newNoise().filter((line) => !/Debugger|inspector|For help, see/.test(line));
  for (const line of noise.slice(0, 5)) {
    tally.find({
      kind: 'server_log',
      caseIndex: -1,
      input: 'server stderr',
      detail: line.slice(0, 500),
    });
  }
  if (noise.some((line) => /MaxListenersExceeded/.test(line))) tally.stat('max-listeners-warnings');
}

export function summaryLine(r: TargetResult): string {
  const mib = (b?: number) => (b === undefined ? '?' : (b / 2 ** 20).toFixed(1));
  const defects = r.findings.filter((f) => isDefect(f.kind)).length;
  return (
    `${r.count} ${r.unit} in ${(r.durationMs / 1000).toFixed(1)} s (stopped by ${r.stoppedBy}); ` +
    `crashes ${r.crashes}, 5xx ${r.status5xx}, hangs ${r.hangs}, lost events ${r.lostEvents}, defects ${defects}; ` +
    `rss ${mib(r.memoryBefore?.rssBytes)} -> ${mib(r.memoryAfter?.rssBytes)} MiB, heap ${mib(r.memoryBefore?.heapUsedBytes)} -> ${mib(r.memoryAfter?.heapUsedBytes)} MiB`
  );
}
