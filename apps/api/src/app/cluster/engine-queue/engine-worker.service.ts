import {
  Inject,
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationShutdown,
  type OnModuleInit,
} from '@nestjs/common';
import { UnrecoverableError, Worker, type Job } from 'bullmq';
import type { EngineInfo } from '@whisperstream/shared-types';
import { AppConfig } from '../../config/app-config';
import { asEngineError, type TranscriptionEngine } from '../../transcription/engine';
import type { EngineChoice } from '../../transcription/engine-selection';
import { RedisConnections } from '../redis-connections';
import { EngineJobCounters } from './engine-job-counters';
import {
  encodeEngineError,
  EngineJobDataSchema,
  isStale,
  MAX_REMOTE_CONCURRENCY,
  PURPOSES,
  QUEUE_NAMES,
  QUEUE_PREFIX,
  RETRIED_CODES,
  stalledJobBound,
  stalledJobOptions,
  type EngineJobResult,
  type EnginePurpose,
} from './engine-jobs';
import { EngineWorkerRegistry } from './engine-worker-registry';
import { redisTimeoutMs, withTimeout } from './with-timeout';

/** DI token: the engine this process's workers run (chooseEngine's choice). */
export const WORKER_ENGINE = Symbol('WORKER_ENGINE');

/**
 * Finals at once: a remote engine takes many calls (TRANSCRIPTION_CONCURRENCY, at most 32); a
 * local one (whisper.cpp, pocketsphinx) runs one at a time, and a job held here while it waits
 * for the engine is a job an idle worker elsewhere cannot take. Partials: one.
 */
export function workerConcurrency(
  engine: TranscriptionEngine,
  transcriptionConcurrency: number,
): Record<EnginePurpose, number> {
  return {
    final: engine.paid ? Math.min(transcriptionConcurrency, MAX_REMOTE_CONCURRENCY) : 1,
    partial: 1,
  };
}

/**
 * The engine worker of a process with ROLE worker or all (cluster mode): a BullMQ Worker on each
 * queue runs the configured engine on the jobs. It announces its engine in Redis with a
 * heartbeat, drops partials that waited too long, and hands engine errors back with their code
 * and `retryable`. On shutdown it takes no new job and lets running ones finish within
 * SHUTDOWN_TIMEOUT_MS; any still running then are left to the stalled-job check (another worker
 * runs them within 1.5 ENGINE_JOB_LOCK_MS).
 */
@Injectable()
export class EngineWorkerService
  implements OnModuleInit, BeforeApplicationShutdown, OnApplicationShutdown
{
  readonly #logger = new Logger(EngineWorkerService.name);
  readonly #workers: Worker[] = [];
  readonly #startedAt = Date.now();
  #timer?: NodeJS.Timeout;
  #beating?: Promise<void>;
  #lastBeatOk = false;
  #shutdownSince?: number;
  #closed = false;
  /** Jobs being run by this process, and who waits for there to be none. */
  #running = 0;
  readonly #idleWaiters = new Set<() => void>();

  constructor(
    private readonly config: AppConfig,
    private readonly redis: RedisConnections,
    private readonly registry: EngineWorkerRegistry,
    private readonly counters: EngineJobCounters,
    @Inject(WORKER_ENGINE) private readonly choice: EngineChoice,
  ) {}

  get enabled(): boolean {
    return this.config.REDIS_URL !== undefined && this.config.ROLE !== 'api';
  }

  get engineInfo(): EngineInfo | null {
    return this.choice.engine?.info ?? null;
  }

  get concurrency(): Record<EnginePurpose, number> | null {
    const engine = this.choice.engine;
    return engine ? workerConcurrency(engine, this.config.TRANSCRIPTION_CONCURRENCY) : null;
  }

  /** Why this process takes no engine jobs now, or undefined when it does. */
  get notReadyReason(): string | undefined {
    if (!this.choice.engine) return this.choice.reason ?? 'no transcription engine';
    if (this.#shutdownSince !== undefined) return 'the engine worker is shutting down';
    if (!this.#lastBeatOk || !this.redis.ready) {
      return 'Redis (REDIS_URL) cannot be reached: the engine worker takes no jobs';
    }
    return undefined;
  }

  onModuleInit(): void {
    const engine = this.choice.engine;
    if (!this.enabled) return;
    if (!engine) {
      this.#logger.warn({
        msg: 'no engine: this process runs no engine worker',
        reason: this.choice.reason,
      });
      return;
    }
    const concurrency = workerConcurrency(engine, this.config.TRANSCRIPTION_CONCURRENCY);
    const connection = this.redis.create('engine-worker');
    for (const purpose of PURPOSES) {
      const worker = new Worker<unknown, EngineJobResult>(
        QUEUE_NAMES[purpose],
        (job, _token, signal) => this.#process(engine, job, signal),
        {
          connection,
          prefix: QUEUE_PREFIX,
          concurrency: concurrency[purpose],
          ...stalledJobOptions(this.config.ENGINE_JOB_LOCK_MS, purpose),
        },
      );
      this.#watch(worker, purpose);
      this.#workers.push(worker);
    }
    void this.#beat();
    this.#timer = setInterval(() => {
      this.#beating ??= this.#beat().finally(() => (this.#beating = undefined));
    }, this.config.NODE_HEARTBEAT_MS);
    this.#timer.unref();
    this.#logger.log({
      msg: 'engine worker started',
      engine: engine.info,
      concurrency,
      lockMs: this.config.ENGINE_JOB_LOCK_MS,
      stalledJobRerunWithinMs: stalledJobBound(this.config.ENGINE_JOB_LOCK_MS),
    });
  }

  beforeApplicationShutdown(): void {
    this.#shutdownSince ??= Date.now();
  }

  /**
   * After the sessions of this process (ROLE=all) have drained: no new job; running ones finish
   * within what is left of SHUTDOWN_TIMEOUT_MS, else they are left to another worker.
   */
  async onApplicationShutdown(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#shutdownSince ??= Date.now();
    clearInterval(this.#timer);
    await this.#beating;
    if (this.#workers.length > 0) {
      await withTimeout(this.registry.withdraw(this.config.NODE_ID), this.#redisTimeoutMs()).catch(
        () => undefined,
      );
      // No new job; the running ones have what is left of SHUTDOWN_TIMEOUT_MS.
      await Promise.all(this.#workers.map((worker) => worker.pause(true)));
      const left = Math.max(
        0,
        this.config.SHUTDOWN_TIMEOUT_MS - (Date.now() - this.#shutdownSince),
      );
      const finished = await this.#idle(left);
      if (!finished) {
        // Their locks are no longer renewed: another worker runs them (stalled-job check).
        this.#logger.warn({
          msg: 'engine jobs still running at shutdown are left to another worker',
          running: this.#running,
          withinMs: stalledJobBound(this.config.ENGINE_JOB_LOCK_MS),
        });
      }
      await Promise.all(
        this.#workers.map((worker) => worker.close(!finished).catch(() => undefined)),
      );
    }
    await this.choice.engine?.close?.();
  }

  /** Resolves true once no job runs here, or false after `ms`. */
  #idle(ms: number): Promise<boolean> {
    if (this.#running === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (idle: boolean) => {
        clearTimeout(timer);
        this.#idleWaiters.delete(onIdle);
        resolve(idle);
      };
      const onIdle = () => done(true);
      const timer = setTimeout(() => done(false), ms);
      this.#idleWaiters.add(onIdle);
    });
  }

  async #process(
    engine: TranscriptionEngine,
    job: Job<unknown, EngineJobResult>,
    signal: AbortSignal | undefined,
  ): Promise<EngineJobResult> {
    this.#running++;
    try {
      return await this.#run(engine, job, signal);
    } finally {
      this.#running--;
      if (this.#running === 0) for (const notify of [...this.#idleWaiters]) notify();
    }
  }

  async #run(
    engine: TranscriptionEngine,
    job: Job<unknown, EngineJobResult>,
    signal: AbortSignal | undefined,
  ): Promise<EngineJobResult> {
    const parsed = EngineJobDataSchema.safeParse(job.data);
    if (!parsed.success) {
      throw new UnrecoverableError(
        encodeEngineError(asEngineError(new Error('not an engine job'))),
      );
    }
    const data = parsed.data;
    const node = this.config.NODE_ID;
    const now = Date.now();
    const log = {
      jobId: job.id,
      purpose: data.purpose,
      sessionId: data.sessionId,
      segmentId: data.segmentId,
      from: data.node,
    };
    if (isStale(data, now)) {
      this.counters.worked.partial.staleDropped++;
      this.#logger.debug({ msg: 'stale partial dropped', ...log, waitedMs: now - data.enqueuedAt });
      return { outcome: 'stale', worker: node };
    }
    this.#logger.debug({
      msg: 'engine job started',
      ...log,
      attempt: job.attemptsStarted,
      waitedMs: now - data.enqueuedAt,
    });
    try {
      const result = await engine.transcribe(
        {
          wav: Buffer.from(data.wav, 'base64'),
          durationMs: data.durationMs,
          language: data.language,
          purpose: data.purpose,
          ...(data.sessionId !== undefined && data.segmentId !== undefined
            ? { context: { sessionId: data.sessionId, segmentId: data.segmentId } }
            : {}),
        },
        signal ?? new AbortController().signal,
      );
      return {
        outcome: 'done',
        text: result.text,
        language: result.language,
        noSpeechSegments: result.noSpeechSegments,
        worker: node,
        engineMs: Date.now() - now,
      };
    } catch (error) {
      const engineError = asEngineError(error);
      this.#logger.debug({ msg: 'engine job failed', ...log, code: engineError.code });
      // Tried once more (anywhere) only when this worker's engine was busy or unavailable.
      const again = data.purpose === 'final' && RETRIED_CODES.has(engineError.code);
      const reason = encodeEngineError(engineError);
      throw again ? new Error(reason) : new UnrecoverableError(reason);
    }
  }

  #watch(worker: Worker<unknown, EngineJobResult>, purpose: EnginePurpose): void {
    const counts = this.counters.worked[purpose];
    worker.on('completed', (_job, result) => {
      if (result.outcome === 'done') counts.completed++;
    });
    worker.on('failed', (job, error) => {
      const again =
        job !== undefined &&
        !(error instanceof UnrecoverableError) &&
        job.attemptsMade < (job.opts.attempts ?? 1);
      if (again) counts.retried++;
      else counts.failed++;
    });
    worker.on('stalled', (jobId) => {
      counts.stalled++;
      this.#logger.warn({ msg: 'stalled engine job put back on the queue', purpose, jobId });
    });
    worker.on('error', (error: Error) =>
      this.#logger.warn({ msg: 'engine worker error', purpose, error: error.message }),
    );
  }

  #redisTimeoutMs(): number {
    return redisTimeoutMs(this.config.NODE_HEARTBEAT_MS);
  }

  async #beat(): Promise<void> {
    const engine = this.choice.engine;
    const concurrency = this.concurrency;
    if (!engine || !concurrency || this.#closed) return;
    try {
      const announcement = {
        node: this.config.NODE_ID,
        engine: engine.info,
        paid: engine.paid,
        concurrency,
        startedAt: this.#startedAt,
      };
      await withTimeout(this.registry.announce(announcement), this.#redisTimeoutMs());
      this.#lastBeatOk = true;
    } catch (error) {
      if (this.#lastBeatOk) {
        this.#logger.warn({ msg: 'engine worker heartbeat failed', error: String(error) });
      }
      this.#lastBeatOk = false;
    }
  }
}
