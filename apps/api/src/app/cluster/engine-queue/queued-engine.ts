import { randomUUID } from 'node:crypto';
import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { QueueEvents } from 'bullmq';
import type { EngineInfo } from '@whisperstream/shared-types';
import { AppConfig } from '../../config/app-config';
import {
  asEngineError,
  EngineError,
  EngineUnavailableError,
  type TranscriptionEngine,
  type TranscriptionRequest,
  type TranscriptionResult,
} from '../../transcription/engine';
import type { EngineChoice } from '../../transcription/engine-selection';
import { RedisConnections } from '../redis-connections';
import { EngineJobCounters } from './engine-job-counters';
import {
  decodeFailure,
  EngineJobResultSchema,
  FINAL_ATTEMPTS,
  PARTIAL_STALE_MS,
  PURPOSES,
  QUEUE_NAMES,
  QUEUE_PREFIX,
  type EngineJobData,
  type EnginePurpose,
} from './engine-jobs';
import { EngineQueues } from './engine-queues';
import { EngineWorkerRegistry, type WorkerAnnouncement } from './engine-worker-registry';
import { redisTimeoutMs, withTimeout } from './with-timeout';

interface Pending {
  /** Its job on the queue (a new one if it had to be put there again). */
  jobId: string;
  purpose: EnginePurpose;
  /** What was put on the queue, kept to put it there again if Redis loses it. */
  data: EngineJobData;
  /** Put on the queue again once already (Redis lost it). */
  resubmitted: boolean;
  resolve: (result: TranscriptionResult) => void;
  reject: (error: EngineError) => void;
  /** On the queue (the add was acknowledged). */
  added: boolean;
  /** When the job was first found missing from Redis without a result. */
  missingSince?: number;
}

/** The engine info sessions see while no worker has announced one. */
const NO_WORKER_INFO: EngineInfo = { id: 'queued', model: 'none' };

/** A job missing from Redis this long without a result is lost (Redis restarted empty). */
const LOST_AFTER_MS = 1000;

/**
 * The engine of an API node in cluster mode: each call is a BullMQ job on the final or partial
 * queue, run by whichever engine worker takes it, and its result comes back through the queue's
 * event stream (every API node reads it; each takes only its own jobs). Each job settles once:
 * the first result, failure or abort wins and anything later is ignored, so a job that ran twice
 * (its first worker stalled) is published once.
 *
 * An aborted call removes its job if no worker has it yet; a running one finishes and its result
 * is ignored. `info` and `paid` are what the live workers announce; with none alive calls fail
 * at once with `engine_unavailable`. While Redis is out of reach calls wait for it, and a job
 * that Redis lost (restarted empty) is put on the queue again. `notReadyReason` says why new
 * sessions should not come here.
 */
@Injectable()
export class QueuedEngine implements TranscriptionEngine, OnModuleInit {
  readonly #logger = new Logger(QueuedEngine.name);
  readonly #pending = new Map<string, Pending>();
  readonly #events: QueueEvents[] = [];
  #workers: WorkerAnnouncement[] = [];
  /** Whether the last read of the worker registry succeeded. */
  #redisOk = false;
  #started = false;
  #closed = false;
  #timer?: NodeJS.Timeout;
  #ticking?: Promise<void>;
  #mixedEnginesLogged = false;

  constructor(
    private readonly config: AppConfig,
    private readonly redis: RedisConnections,
    private readonly queues: EngineQueues,
    private readonly registry: EngineWorkerRegistry,
    private readonly counters: EngineJobCounters,
  ) {}

  /** Cluster mode on a node that serves sessions (ROLE api or all). */
  get enabled(): boolean {
    return this.config.REDIS_URL !== undefined && this.config.ROLE !== 'worker';
  }

  /** This engine as the choice of the TranscriptionService. */
  get choice(): EngineChoice {
    return { engine: this, notReadyReason: () => this.notReadyReason };
  }

  get info(): EngineInfo {
    return this.#workers[0]?.engine ?? NO_WORKER_INFO;
  }

  get paid(): boolean {
    return this.#workers.some((worker) => worker.paid);
  }

  /** Engine workers whose heartbeat is current (as of the last look, every NODE_HEARTBEAT_MS). */
  get workersAlive(): number {
    return this.#workers.length;
  }

  get notReadyReason(): string | undefined {
    if (!this.#started) return 'the engine queue is connecting to Redis (REDIS_URL)';
    if (!this.#redisOk || !this.redis.ready) {
      return 'Redis (REDIS_URL) cannot be reached: the engine queue is unavailable';
    }
    if (this.#workers.length === 0) {
      return 'no engine worker is alive: start one (ROLE=worker, or ROLE=all) with an engine configured';
    }
    return undefined;
  }

  onModuleInit(): void {
    if (!this.enabled) return;
    // Not awaited: the server starts (and says it is not ready) while Redis is out of reach.
    void this.#start().catch((error: unknown) =>
      this.#logger.error({ msg: 'engine queue failed to start', error: String(error) }),
    );
  }

  async transcribe(
    request: TranscriptionRequest,
    signal: AbortSignal,
  ): Promise<TranscriptionResult> {
    if (signal.aborted) throw asEngineError(signal.reason);
    const reason = this.#refusal();
    if (reason) throw new EngineUnavailableError(reason);
    const purpose = request.purpose ?? 'final';
    const counts = this.counters.submitted[purpose];
    const jobId = randomUUID();
    const data: EngineJobData = {
      wav: request.wav.toString('base64'),
      durationMs: request.durationMs,
      language: request.language,
      purpose,
      sessionId: request.context?.sessionId,
      segmentId: request.context?.segmentId,
      node: this.config.NODE_ID,
      enqueuedAt: Date.now(),
    };
    const queue = this.queues.get(purpose);
    return new Promise<TranscriptionResult>((resolve, reject) => {
      const onAbort = () => {
        const current = pending.jobId;
        if (this.#pending.get(current) !== pending) return;
        counts.aborted++;
        this.#settle(current, asEngineError(signal.reason));
        // A waiting job is never run; one a worker has is finished there and its answer ignored.
        void queue.remove(current).catch(() => 0);
      };
      const pending: Pending = {
        jobId,
        purpose,
        data,
        resubmitted: false,
        added: false,
        resolve: (result) => {
          signal.removeEventListener('abort', onAbort);
          resolve(result);
        },
        reject: (error) => {
          signal.removeEventListener('abort', onAbort);
          reject(error);
        },
      };
      // Registered before the add: an instant worker may answer before the add's reply arrives.
      this.#pending.set(jobId, pending);
      signal.addEventListener('abort', onAbort, { once: true });
      this.#add(pending);
    });
  }

  /**
   * Puts a job on its queue. While Redis is out of reach the add waits (the connection queues
   * it) and goes through once Redis is back, so a live session's utterances are not lost to a
   * short outage.
   */
  #add(pending: Pending): void {
    const { jobId, purpose, data } = pending;
    this.queues
      .get(purpose)
      .add(purpose, data, {
        jobId,
        attempts: purpose === 'final' ? FINAL_ATTEMPTS : 1,
        // Audio is not kept in Redis once a job is done; its result went out on the event stream.
        removeOnComplete: true,
        removeOnFail: true,
      })
      .then(
        () => {
          if (!pending.resubmitted) this.counters.submitted[purpose].added++;
          pending.added = true;
        },
        (error: unknown) => {
          this.#logger.warn({ msg: 'engine job not queued', error: String(error) });
          this.#settle(
            jobId,
            new EngineUnavailableError('the engine queue (Redis) could not take the job'),
          );
        },
      );
  }

  /**
   * Why a call fails at once: shutting down, not started, or no worker alive when Redis last
   * answered. While Redis is out of reach, calls wait for it instead (see #add).
   */
  #refusal(): string | undefined {
    if (this.#closed) return 'the server is shutting down';
    if (!this.#started) return this.notReadyReason;
    if (this.#redisOk && this.#workers.length === 0) return this.notReadyReason;
    return undefined;
  }

  /** Stops listening; calls still waiting fail. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#ticking;
    for (const jobId of [...this.#pending.keys()]) {
      this.#settle(
        jobId,
        new EngineError('transcription_aborted', 'the server is shutting down', false),
      );
    }
    await Promise.all(this.#events.map((events) => events.close().catch(() => undefined)));
  }

  async #start(): Promise<void> {
    for (const purpose of PURPOSES) {
      // Read from the stream's present end, set before any job is added: no result is missed.
      const key = this.queues.get(purpose).keys.events;
      const tail = await this.redis.command.xrevrange(key, '+', '-', 'COUNT', 1);
      const events = new QueueEvents(QUEUE_NAMES[purpose], {
        connection: this.redis.create(`engine-events:${purpose}`),
        prefix: QUEUE_PREFIX,
        lastEventId: tail[0]?.[0] ?? '0-0',
      });
      events.on('completed', ({ jobId, returnvalue }) => this.#completed(jobId, returnvalue));
      events.on('failed', ({ jobId, failedReason }) => {
        const pending = this.#pending.get(jobId);
        if (!pending) return;
        this.counters.submitted[pending.purpose].failed++;
        this.#settle(jobId, decodeFailure(failedReason));
      });
      events.on('stalled', ({ jobId }) => {
        const pending = this.#pending.get(jobId);
        if (!pending) return;
        this.counters.submitted[pending.purpose].stalled++;
        this.#logger.warn({ msg: 'engine job stalled: its worker was lost; it runs again', jobId });
      });
      events.on('error', (error: Error) =>
        this.#logger.warn({ msg: 'engine queue events error', purpose, error: error.message }),
      );
      this.#events.push(events);
    }
    if (this.#closed) return;
    await this.#refreshWorkers();
    this.#started = true;
    this.#timer = setInterval(() => {
      this.#ticking ??= this.#tick().finally(() => (this.#ticking = undefined));
    }, this.config.NODE_HEARTBEAT_MS);
    this.#timer.unref();
    this.#logger.log({
      msg: 'engine queue ready',
      workers: this.#workers.map((worker) => worker.node),
      partialStaleMs: PARTIAL_STALE_MS,
    });
  }

  #completed(jobId: string, returnvalue: unknown): void {
    const pending = this.#pending.get(jobId);
    if (!pending) return;
    const counts = this.counters.submitted[pending.purpose];
    const parsed = EngineJobResultSchema.safeParse(returnvalue);
    if (!parsed.success) {
      counts.failed++;
      this.#settle(
        jobId,
        new EngineError('engine_failed', 'the engine worker answered nonsense', true),
      );
    } else if (parsed.data.outcome === 'stale') {
      counts.stale++;
      this.#settle(
        jobId,
        new EngineError('partial_stale', 'the partial waited too long for a worker', false),
      );
    } else {
      counts.completed++;
      const { text, language, noSpeechSegments } = parsed.data;
      this.#settle(jobId, { text, language, noSpeechSegments });
    }
  }

  /** The first outcome of a job wins; any later one is ignored. */
  #settle(jobId: string, outcome: TranscriptionResult | EngineError): void {
    const pending = this.#pending.get(jobId);
    if (!pending) return;
    this.#pending.delete(jobId);
    if (outcome instanceof EngineError) pending.reject(outcome);
    else pending.resolve(outcome);
  }

  async #tick(): Promise<void> {
    await this.#refreshWorkers();
    if (this.#redisOk) await this.#findLostJobs().catch(() => undefined);
  }

  async #refreshWorkers(): Promise<void> {
    try {
      this.#workers = await withTimeout(this.registry.alive(), this.#redisTimeoutMs());
      this.#redisOk = true;
    } catch {
      this.#redisOk = false;
      return;
    }
    const engines = new Set(this.#workers.map((w) => `${w.engine.id}/${w.engine.model}`));
    if (engines.size > 1 && !this.#mixedEnginesLogged) {
      this.#mixedEnginesLogged = true;
      this.#logger.warn({ msg: 'engine workers run different engines', engines: [...engines] });
    }
  }

  /**
   * Jobs that are gone from Redis with no result seen (Redis restarted without its data) would
   * wait for ever: one missing for LOST_AFTER_MS is put on the queue again, once (its result is
   * still taken once); missing a second time, it fails as `engine_job_lost` (retryable).
   */
  async #findLostJobs(): Promise<void> {
    const added = [...this.#pending].filter(([, pending]) => pending.added);
    if (added.length === 0) return;
    const pipeline = this.redis.command.pipeline();
    for (const [jobId, pending] of added)
      pipeline.exists(this.queues.get(pending.purpose).toKey(jobId));
    const results = await withTimeout(pipeline.exec(), this.#redisTimeoutMs());
    const now = Date.now();
    added.forEach(([jobId, pending], i) => {
      const exists = results?.[i]?.[1] === 1;
      if (exists) {
        pending.missingSince = undefined;
        return;
      }
      pending.missingSince ??= now;
      const lostAfterMs = Math.max(LOST_AFTER_MS, 2 * this.config.NODE_HEARTBEAT_MS);
      if (now - pending.missingSince < lostAfterMs) return;
      this.counters.submitted[pending.purpose].lost++;
      if (!pending.resubmitted) {
        // Under a new id: a worker may still be running the old one (its answer is ignored).
        const again = randomUUID();
        this.#logger.warn({ msg: 'engine job lost from Redis: queued again', jobId, as: again });
        this.#pending.delete(jobId);
        this.#pending.set(again, pending);
        Object.assign(pending, {
          jobId: again,
          resubmitted: true,
          added: false,
          missingSince: undefined,
        });
        this.#add(pending);
        return;
      }
      this.#logger.warn({ msg: 'engine job lost from Redis twice', jobId });
      this.#settle(
        jobId,
        new EngineError('engine_job_lost', 'the engine job was lost (Redis lost its data)', true),
      );
    });
  }

  #redisTimeoutMs(): number {
    return redisTimeoutMs(this.config.NODE_HEARTBEAT_MS);
  }
}
