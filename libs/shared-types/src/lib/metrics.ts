import * as z from 'zod';

const count = z.number().int().nonnegative();
const ms = z.number().nonnegative();

/** A latency histogram in `GET /metrics`: cumulative buckets plus recent percentiles, in ms. */
export const LatencyHistogramSchema = z.object({
  count,
  sum: ms,
  min: ms,
  max: ms,
  /** Over the most recent values (at most 2,048). */
  p50: ms,
  p95: ms,
  p99: ms,
  /** Cumulative counts, Prometheus-style: values ≤ `leMs`; the last bucket is `Infinity`. */
  buckets: z.array(z.object({ leMs: z.union([ms, z.literal('Infinity')]), count })),
});

export const EngineLatencySchema = z.object({
  /** End of speech to final text ready. */
  finalMs: LatencyHistogramSchema,
  /** Start of speech to the first partial text published. */
  firstPartialMs: LatencyHistogramSchema,
  /** Time inside the engine, per call (finals and partials). */
  engineMs: LatencyHistogramSchema,
});

/** The `transcription` section of `GET /metrics`. */
export const TranscriptionMetricsSchema = z.object({
  /** The engine in use (null: none usable). */
  engine: z.string().nullable(),
  partials: z.boolean(),
  requests: z.object({
    final: z.object({ count, audioMs: ms }),
    /** `dropped`: partial calls whose answer came too late (the final was on its way) or failed. */
    partial: z.object({ count, audioMs: ms, dropped: count }),
  }),
  guard: z.object({
    /** Segments never sent to the engine: the VAD heard too little speech in them. */
    notSent: count,
    /** Texts (or sentences) dropped as phantom phrases, e.g. "Thanks for watching!". */
    phantom: count,
    /** Engine segments dropped because the engine itself scored them as no speech. */
    noSpeech: count,
  }),
  /** Per engine id. */
  latency: z.record(z.string(), EngineLatencySchema),
});

export type LatencyHistogramSnapshot = z.infer<typeof LatencyHistogramSchema>;
export type EngineLatencySnapshot = z.infer<typeof EngineLatencySchema>;
export type TranscriptionMetricsJson = z.infer<typeof TranscriptionMetricsSchema>;
