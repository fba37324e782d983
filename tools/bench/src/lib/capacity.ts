/**
 * The pure parts of `npm run bench:capacity` (src/capacity.ts): arguments, the sessions'
 * programs, a level's verdict and the printed table.
 */
import { resolve } from 'node:path';

/** One engine setup: `workers` ROLE=worker processes, each with WHISPER_THREADS=`threads`. */
export interface CapacitySetup {
  workers: number;
  threads: number;
}

/**
 * Which decoder the generated model has: `fixed` says `<|0.00|>`, `--tokens` text tokens and
 * `<|endoftext|>` on every call (the compute of a real call), `random` is the generator's as is
 * (every call runs whisper.cpp's whole temperature fallback); see lib/ggml-decoder.ts.
 */
export type DecoderKind = 'fixed' | 'random';

export interface CapacityArgs {
  decoders: DecoderKind[];
  /** Text tokens per call of the fixed decoder. */
  tokens: number;
  setups: CapacitySetup[];
  levels: number[];
  /** Passes of the clip each session of a level streams. */
  passes: number;
  /** A level holds while the final latency p95 stays under this. */
  maxP95Ms: number;
  clip: string;
  /** The clip of the warm-up sessions (one per worker, not counted). */
  warmClip: string;
  /** A whisper.cpp model to use instead of the generated tiny.en-sized one. */
  model?: string;
  out: string;
}

export const CAPACITY_USAGE =
  'bench:capacity [--decoders fixed,random] [--tokens 16] [--setups 1x2,2x1] [--levels 1,2,3,4,6,8] [--passes 1] [--max-p95 5000] ' +
  '[--clip FILE] [--warm-clip FILE] [--model FILE] [--out DIR]';

/** `1x2,2x1` → 1 worker of 2 threads, then 2 workers of 1 thread. */
export function parseSetups(text: string): CapacitySetup[] {
  return text.split(',').map((part) => {
    const match = /^(\d+)x(\d+)$/.exec(part.trim());
    const workers = Number(match?.[1]);
    const threads = Number(match?.[2]);
    if (!match || workers < 1 || threads < 1 || workers > 8 || threads > 16) {
      throw new Error(`--setups: "${part}" is not WORKERSxTHREADS (e.g. 1x2,2x1)`);
    }
    return { workers, threads };
  });
}

function positiveList(flag: string, text: string): number[] {
  const values = text.split(',').map((v) => Number(v.trim()));
  if (values.length === 0 || values.some((v) => !Number.isInteger(v) || v < 1)) {
    throw new Error(`${flag}: "${text}" is not a list of positive integers`);
  }
  return values;
}

export function parseCapacityArgs(
  argv: readonly string[],
  defaults: { fixtures: string; workspace: string },
): CapacityArgs {
  const args: CapacityArgs = {
    decoders: ['fixed', 'random'],
    tokens: 16,
    setups: parseSetups('1x2,2x1'),
    levels: [1, 2, 3, 4, 6, 8],
    passes: 1,
    maxP95Ms: 5000,
    clip: resolve(defaults.fixtures, 'conversation.wav'),
    warmClip: resolve(defaults.fixtures, 'goforward.wav'),
    out: resolve(defaults.workspace, 'dist/bench'),
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (value === undefined) throw new Error(`${flag} needs a value (${CAPACITY_USAGE})`);
    i++;
    switch (flag) {
      case '--decoders':
        args.decoders = value.split(',').map((kind) => {
          if (kind !== 'fixed' && kind !== 'random') {
            throw new Error(`--decoders: "${kind}" is not fixed or random`);
          }
          return kind;
        });
        break;
      case '--tokens':
        args.tokens = positiveList(flag, value)[0];
        break;
      case '--setups':
        args.setups = parseSetups(value);
        break;
      case '--levels':
        args.levels = positiveList(flag, value);
        break;
      case '--passes':
        args.passes = positiveList(flag, value)[0];
        break;
      case '--max-p95':
        args.maxP95Ms = positiveList(flag, value)[0];
        break;
      case '--clip':
        args.clip = resolve(value);
        break;
      case '--warm-clip':
        args.warmClip = resolve(value);
        break;
      case '--model':
        args.model = resolve(value);
        break;
      case '--out':
        args.out = resolve(value);
        break;
      default:
        throw new Error(`unknown argument ${flag} (${CAPACITY_USAGE})`);
    }
  }
  return args;
}

/**
 * What session `index` of `count` streams: the clip started `index / count` of the way in and
 * wrapped around, `passes` times. The sessions of a level then end their utterances at moments
 * spread over the pass, as independent speakers would, instead of all at the same instant (the
 * utterance under the wrap point is cut in two). Frames are shared, never copied.
 */
export function phasedProgram<T>(
  frames: readonly T[],
  index: number,
  count: number,
  passes: number,
): T[] {
  const offset = Math.round((index * frames.length) / count) % frames.length;
  const pass = [...frames.slice(offset), ...frames.slice(0, offset)];
  return Array.from({ length: passes }, () => pass).flat();
}

export interface LevelVerdictInput {
  sessions: number;
  failedSessions: number;
  errorEvents: number;
  finals: number;
  latencyP95Ms?: number;
}

/** Why a level did not hold, or undefined when it did. */
export function levelProblem(level: LevelVerdictInput, maxP95Ms: number): string | undefined {
  if (level.failedSessions > 0) return `${level.failedSessions} session(s) failed`;
  if (level.errorEvents > 0) return `${level.errorEvents} error event(s)`;
  if (level.finals === 0 || level.latencyP95Ms === undefined) return 'no final';
  if (level.latencyP95Ms >= maxP95Ms) return `final latency p95 ${level.latencyP95Ms} ms`;
  return undefined;
}

export interface TableRow {
  decoder: string;
  setup: string;
  streams: number;
  finals: number;
  p50?: number;
  p95?: number;
  clientP95?: number;
  utterancesPerS: number;
  engineMsMean?: number;
  workerCpuPct: number;
  othersCpuPct: number;
  verdict: string;
}

const cell = (value: number | undefined, digits = 0): string =>
  value === undefined ? '-' : value.toFixed(digits);

/** The Markdown table printed at the end (and saved beside the JSON). */
export function capacityTable(rows: readonly TableRow[]): string {
  const header = [
    'decoder',
    'setup',
    'streams',
    'finals',
    'latency p50 / p95 (ms)',
    'client p95 (ms)',
    'utterances/s',
    'engine ms/job',
    'worker CPU %',
    'others CPU %',
    'held',
  ];
  const lines = rows.map((r) => [
    r.decoder,
    r.setup,
    String(r.streams),
    String(r.finals),
    `${cell(r.p50)} / ${cell(r.p95)}`,
    cell(r.clientP95),
    r.utterancesPerS.toFixed(2),
    cell(r.engineMsMean),
    r.workerCpuPct.toFixed(0),
    r.othersCpuPct.toFixed(0),
    r.verdict,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i].length)));
  const row = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [row(header), row(widths.map((w) => '-'.repeat(w))), ...lines.map(row)].join('\n');
}
