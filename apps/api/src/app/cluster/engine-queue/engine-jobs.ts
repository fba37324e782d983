import * as z from 'zod';
import type { WorkerOptions } from 'bullmq';
import { EngineError } from '../../transcription/engine';

/**
 * Engine jobs in cluster mode: what an API node puts on the queues and what a worker answers.
 * Both cross a process boundary through Redis, so both are parsed with a schema where they come in.
 */

/** Key prefix of the BullMQ queues (`whisperstream:engine-final:*`, ...). */
export const QUEUE_PREFIX = 'whisperstream';

export type EnginePurpose = 'final' | 'partial';

/** Finals and partials have queues of their own: neither ever waits behind the other. */
export const QUEUE_NAMES: Readonly<Record<EnginePurpose, string>> = {
  final: 'engine-final',
  partial: 'engine-partial',
};

export const PURPOSES: readonly EnginePurpose[] = ['final', 'partial'];

/**
 * A partial that waited this long for a worker is dropped, not run: by then the utterance has
 * grown and the next partial (or its final) says more. Counted from the enqueue time, on the
 * clocks of the API node and the worker (keep them in sync, as any cluster needs).
 */
export const PARTIAL_STALE_MS = 2000;

/** A final that failed with one of these is tried once more (by any worker, maybe another). */
export const RETRIED_CODES: ReadonlySet<string> = new Set(['engine_unavailable', 'engine_busy']);

/** Attempts of a final job; a partial is never tried again. */
export const FINAL_ATTEMPTS = 2;

/** Finals a worker runs at once with a remote (paid) engine; a local engine runs one. */
export const MAX_REMOTE_CONCURRENCY = 32;

export const EngineJobDataSchema = z.object({
  /** The utterance: a 16 kHz mono PCM16 WAV file, base64. */
  wav: z.string(),
  durationMs: z.number().nonnegative(),
  language: z.string().optional(),
  purpose: z.enum(['final', 'partial']),
  /** For logs only. */
  sessionId: z.string().optional(),
  segmentId: z.number().int().optional(),
  /** The API node that waits for the result (NODE_ID), for logs. */
  node: z.string(),
  /** `Date.now()` on the API node when the job was put on the queue. */
  enqueuedAt: z.number(),
});
export type EngineJobData = z.infer<typeof EngineJobDataSchema>;

export const EngineJobResultSchema = z.discriminatedUnion('outcome', [
  z.object({
    outcome: z.literal('done'),
    text: z.string(),
    language: z.string().optional(),
    noSpeechSegments: z.number().int().nonnegative().optional(),
    /** The worker that ran it (NODE_ID) and how long its engine took. */
    worker: z.string(),
    engineMs: z.number().nonnegative(),
  }),
  /** A stale partial, dropped by the worker that reached it. */
  z.object({ outcome: z.literal('stale'), worker: z.string() }),
]);
export type EngineJobResult = z.infer<typeof EngineJobResultSchema>;

const EngineFailureSchema = z.object({
  code: z.string(),
  message: z.string(),
  retryable: z.boolean(),
});

/** An engine error as a job's failure reason (BullMQ keeps only a message): JSON. */
export function encodeEngineError(error: EngineError): string {
  return JSON.stringify({ code: error.code, message: error.message, retryable: error.retryable });
}

/**
 * A failed job's reason as an EngineError. Failures that are not the engine's own (BullMQ's:
 * a job whose workers were lost more than once) are named here.
 */
export function decodeFailure(reason: string | undefined): EngineError {
  try {
    const parsed = EngineFailureSchema.safeParse(JSON.parse(reason ?? ''));
    if (parsed.success) {
      return new EngineError(parsed.data.code, parsed.data.message, parsed.data.retryable);
    }
  } catch {
    // not one of ours
  }
  if (reason && /stalled more than allowable limit/.test(reason)) {
    return new EngineError(
      'engine_worker_lost',
      'the engine workers running this utterance stopped more than once',
      true,
    );
  }
  return new EngineError('engine_failed', 'the transcription engine failed', true);
}

/** Whether a partial that was put on the queue at `enqueuedAt` is too old to run at `now`. */
export function isStale(data: EngineJobData, now: number): boolean {
  return data.purpose === 'partial' && now - data.enqueuedAt > PARTIAL_STALE_MS;
}

/**
 * BullMQ's stalled-job handling from ENGINE_JOB_LOCK_MS (L). A worker holds a lock of L on each
 * job and renews it every L/2; every worker looks for stalled jobs every L/2 (only one of them
 * per interval does the work). A job whose worker died is seen at the first check after its
 * lock lapsed (at most L after the death) and is put back at the head of its queue: it runs
 * again at most 1.5 L after its worker died (`stalledJobBound`), on any worker with a free slot.
 * A final may stall once (a second stall fails it: a job that kills every worker it meets must
 * not go round for ever); a partial is not run again (it would be stale).
 */
export function stalledJobOptions(
  lockMs: number,
  purpose: EnginePurpose,
): Pick<WorkerOptions, 'lockDuration' | 'stalledInterval' | 'maxStalledCount'> {
  return {
    lockDuration: lockMs,
    stalledInterval: Math.floor(lockMs / 2),
    maxStalledCount: purpose === 'final' ? 1 : 0,
  };
}

/** At most this long after a worker died, its job is back on the queue for another worker. */
export function stalledJobBound(lockMs: number): number {
  return lockMs + Math.floor(lockMs / 2);
}
