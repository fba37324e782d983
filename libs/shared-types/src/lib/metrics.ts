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

const QueueDepthSchema = z.object({ waiting: count, active: count });

/** Engine jobs an API node put on a queue (roles `api` and `all`), since it started. */
const SubmittedJobsSchema = z.object({
  added: count,
  completed: count,
  /** Failed for good: the session got an `error` event (or, for a partial, nothing). */
  failed: count,
  /** Given up by the session first (its final was on its way, or it ended): removed or ignored. */
  aborted: count,
  /** Lost a worker while running and were put back on the queue. */
  stalled: count,
  /**
   * Vanished from Redis without a result (Redis restarted without its data): put on the queue
   * again, once; lost a second time, failed as `engine_job_lost`.
   */
  lost: count,
  /** Partials a worker reached too late and dropped without running them. */
  stale: count,
});

/** Engine jobs this process's workers took (roles `worker` and `all`), since it started. */
const WorkedJobsSchema = z.object({
  completed: count,
  /** Failed for good. */
  failed: count,
  /** Failed, but put back on the queue for one more try (a busy or unavailable engine). */
  retried: count,
  /** Jobs of lost workers that this process's stalled-job check put back on the queue. */
  stalled: count,
  /** Partials older than their bound when reached: dropped, not run. */
  staleDropped: count,
});

/** The `cluster` section of `GET /metrics`, present only in cluster mode (REDIS_URL). */
export const ClusterMetricsSchema = z.object({
  role: z.enum(['all', 'api', 'worker']),
  node: z.string(),
  /** Engine worker processes whose heartbeat is current. */
  workersAlive: count,
  /** Read from Redis for this response; null when Redis did not answer. */
  queues: z.object({ final: QueueDepthSchema, partial: QueueDepthSchema }).nullable(),
  jobs: z.object({
    submitted: z.object({ final: SubmittedJobsSchema, partial: SubmittedJobsSchema }),
    worked: z.object({ final: WorkedJobsSchema, partial: WorkedJobsSchema }),
  }),
});

export type ClusterMetricsJson = z.infer<typeof ClusterMetricsSchema>;
export type SubmittedJobCounts = z.infer<typeof SubmittedJobsSchema>;
export type WorkedJobCounts = z.infer<typeof WorkedJobsSchema>;

/**
 * The `sessions` section of `GET /metrics`. `rateLimited`: sessions that sent audio faster than
 * real time allows (since start); `retained`: ended sessions whose transcript is still kept.
 */
export const SessionMetricsSchema = z.object({ open: count, rateLimited: count, retained: count });

/** The `rtp` section of `GET /metrics`, over every session whose audio pipeline has ended. */
export const RtpMetricsSchema = z.object({
  received: count,
  lost: count,
  late: count,
  resyncs: count,
  /** Packets dropped for arriving faster than real time allows. */
  rateLimited: count,
  decodeErrors: count,
  pipelines: count,
});

export type SessionMetricsJson = z.infer<typeof SessionMetricsSchema>;
export type RtpMetricsJson = z.infer<typeof RtpMetricsSchema>;

/**
 * `GET /metrics`: the process's own sections, the API node's (`sessions`, `rtp`,
 * `transcription`: absent on an engine worker, ROLE=worker) and, in cluster mode, `cluster`.
 */
export const ProcessMetricsSchema = z.object({
  uptimeS: count,
  /** Since the previous GET /metrics (or start), the sampling resolution subtracted. */
  eventLoopDelayMs: z.object({ p50: ms, p99: ms, max: ms }),
  /** Node's `process.memoryUsage()`, in bytes. */
  memory: z.object({
    rss: count,
    heapTotal: count,
    heapUsed: count,
    external: count,
    arrayBuffers: count,
  }),
  /** Handles and requests keeping the event loop alive, by type (`UDPWrap`, `Timeout`, …). */
  activeResources: z.record(z.string(), count),
  sessions: SessionMetricsSchema.optional(),
  rtp: RtpMetricsSchema.optional(),
  transcription: TranscriptionMetricsSchema.optional(),
  cluster: ClusterMetricsSchema.optional(),
});
export type ProcessMetricsJson = z.infer<typeof ProcessMetricsSchema>;
