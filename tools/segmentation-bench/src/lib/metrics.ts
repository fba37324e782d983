import * as z from 'zod';
import { LatencyHistogramSchema, type LatencyHistogramSnapshot } from '@whisperstream/shared-types';

/** A latency histogram as `GET /metrics` shows it, without its buckets. */
export type Histogram = Omit<LatencyHistogramSnapshot, 'buckets'>;

/** The counters of `transcription.requests` / `guard`; every part may be absent. */
export interface EngineCounters {
  final?: { count: number; audioMs: number };
  partial?: { count: number; audioMs: number; dropped?: number };
  guard?: { notSent?: number; phantom?: number };
}

export interface TranscriptionMetrics extends EngineCounters {
  engine?: string;
  /** Per engine id: `finalMs`, `firstPartialMs`, `engineMs` (whichever the server has). */
  latency: Record<string, Record<string, Histogram>>;
}

const num = z.number().finite();
/** The server's histogram without its buckets (this bench reports the percentiles). */
const HistogramSchema = LatencyHistogramSchema.pick({
  count: true,
  sum: true,
  min: true,
  max: true,
  p50: true,
  p95: true,
  p99: true,
});

/** Parses one piece with its schema; undefined when it is missing or has another shape. */
function part<T>(schema: z.ZodType<T>, value: unknown): T | undefined {
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}

const record = (value: unknown): Record<string, unknown> | undefined =>
  value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;

/**
 * Reads the `transcription` section of a `GET /metrics` body piece by piece, so that a server
 * that has only some of it (or none: null) still gives what it has.
 */
export function readTranscriptionMetrics(body: unknown): TranscriptionMetrics | null {
  const section = record(record(body)?.['transcription']);
  if (!section) {
    return null;
  }
  const requests = record(section['requests']);
  const guard = record(section['guard']);
  const latency: TranscriptionMetrics['latency'] = {};
  for (const [engineId, value] of Object.entries(record(section['latency']) ?? {})) {
    const histograms: Record<string, Histogram> = {};
    for (const [name, h] of Object.entries(record(value) ?? {})) {
      const parsed = part(HistogramSchema, h);
      if (parsed) {
        histograms[name] = parsed;
      }
    }
    latency[engineId] = histograms;
  }
  return {
    engine: part(z.string(), section['engine']),
    final: part(z.object({ count: num, audioMs: num }), requests?.['final']),
    partial: part(
      z.object({ count: num, audioMs: num, dropped: num.optional() }),
      requests?.['partial'],
    ),
    guard: guard
      ? { notSent: part(num, guard['notSent']), phantom: part(num, guard['phantom']) }
      : undefined,
    latency,
  };
}

/** What happened between two readings (for one session played alone: that session's share). */
export function counterDelta(
  before: TranscriptionMetrics | null,
  after: TranscriptionMetrics | null,
): EngineCounters | null {
  if (!after) {
    return null;
  }
  const minus = (a: number | undefined, b: number | undefined): number | undefined =>
    a === undefined ? undefined : a - (b ?? 0);
  const out: EngineCounters = {};
  if (after.final) {
    out.final = {
      count: after.final.count - (before?.final?.count ?? 0),
      audioMs: after.final.audioMs - (before?.final?.audioMs ?? 0),
    };
  }
  if (after.partial) {
    out.partial = {
      count: after.partial.count - (before?.partial?.count ?? 0),
      audioMs: after.partial.audioMs - (before?.partial?.audioMs ?? 0),
      dropped: minus(after.partial.dropped, before?.partial?.dropped),
    };
  }
  if (after.guard) {
    out.guard = {
      notSent: minus(after.guard.notSent, before?.guard?.notSent),
      phantom: minus(after.guard.phantom, before?.guard?.phantom),
    };
  }
  return out;
}

/** Adds up per-clip counters; a part missing from every clip stays missing. */
export function addCounters(all: ReadonlyArray<EngineCounters | null>): EngineCounters | null {
  const present = all.filter((c): c is EngineCounters => c !== null);
  if (present.length === 0) {
    return null;
  }
  const sum = (values: Array<number | undefined>): number | undefined =>
    values.some((v) => v !== undefined)
      ? values.reduce<number>((s, v) => s + (v ?? 0), 0)
      : undefined;
  const out: EngineCounters = {};
  const finals = present.flatMap((c) => (c.final ? [c.final] : []));
  if (finals.length > 0) {
    out.final = {
      count: finals.reduce((s, f) => s + f.count, 0),
      audioMs: finals.reduce((s, f) => s + f.audioMs, 0),
    };
  }
  const partials = present.flatMap((c) => (c.partial ? [c.partial] : []));
  if (partials.length > 0) {
    out.partial = {
      count: partials.reduce((s, p) => s + p.count, 0),
      audioMs: partials.reduce((s, p) => s + p.audioMs, 0),
      dropped: sum(partials.map((p) => p.dropped)),
    };
  }
  const guards = present.flatMap((c) => (c.guard ? [c.guard] : []));
  if (guards.length > 0) {
    out.guard = {
      notSent: sum(guards.map((g) => g.notSent)),
      phantom: sum(guards.map((g) => g.phantom)),
    };
  }
  return out;
}
