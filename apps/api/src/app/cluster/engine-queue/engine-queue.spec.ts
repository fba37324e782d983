import { Logger } from '@nestjs/common';
import { describeWithRedis, startRedis, type RunningRedis } from '@whisperstream/redis-test-server';
import { Redis } from 'ioredis';
import type { AppConfig } from '../../config/app-config';
import { loadConfig } from '../../config/config.schema';
import {
  EngineError,
  EngineRejectedError,
  EngineUnavailableError,
  type TranscriptionEngine,
  type TranscriptionRequest,
  type TranscriptionResult,
} from '../../transcription/engine';
import { RedisConnections } from '../redis-connections';
import { EngineJobCounters } from './engine-job-counters';
import { PARTIAL_STALE_MS, stalledJobBound } from './engine-jobs';
import { EngineQueueMetrics } from './engine-queue-metrics';
import { EngineQueues } from './engine-queues';
import { EngineWorkerRegistry } from './engine-worker-registry';
import { EngineWorkerService } from './engine-worker.service';
import { QueuedEngine } from './queued-engine';

interface Call {
  request: TranscriptionRequest;
  signal: AbortSignal;
  resolve: (result: TranscriptionResult) => void;
  reject: (error: unknown) => void;
}

/** A scripted engine: each call waits until the test answers it, unless `answer` does at once. */
class FakeEngine implements TranscriptionEngine {
  readonly info = { id: 'fake', model: 'fake-1' };
  readonly calls: Call[] = [];
  answer?: (request: TranscriptionRequest) => TranscriptionResult | Promise<TranscriptionResult>;
  closed = false;

  constructor(readonly paid = false) {}

  transcribe(request: TranscriptionRequest, signal: AbortSignal): Promise<TranscriptionResult> {
    return new Promise((resolve, reject) => {
      this.calls.push({ request, signal, resolve, reject });
      const answer = this.answer;
      if (answer) Promise.resolve(request).then(answer).then(resolve, reject);
    });
  }

  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
}

const HEARTBEAT = { NODE_HEARTBEAT_MS: '100', NODE_LOST_MS: '500' };
const LOCK_MS = 1000;

/** The Redis-facing parts one process has, built as Nest would. */
function processParts(url: string, env: Record<string, string>) {
  const config = loadConfig({
    REDIS_URL: url,
    ENGINE_JOB_LOCK_MS: String(LOCK_MS),
    ...HEARTBEAT,
    ...env,
  }) as AppConfig;
  const redis = new RedisConnections(config);
  const queues = new EngineQueues(redis);
  const registry = new EngineWorkerRegistry(redis, config);
  const counters = new EngineJobCounters();
  return { config, redis, queues, registry, counters };
}

async function waitFor(what: string, check: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

const request = (purpose: 'final' | 'partial', segmentId = 0): TranscriptionRequest => ({
  wav: Buffer.from(`RIFF-utterance-${segmentId}-${purpose}`),
  durationMs: 1200,
  language: 'en',
  purpose,
  context: { sessionId: 'session-1', segmentId },
});

const never = () => new AbortController().signal;

describeWithRedis('engine jobs on BullMQ, against a real redis-server', () => {
  let redisServer: RunningRedis;
  const cleanups: Array<() => Promise<void>> = [];

  beforeAll(async () => {
    Logger.overrideLogger(false);
    redisServer = await startRedis();
  });
  afterAll(async () => {
    await redisServer?.stop();
  });
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    const admin = new Redis(redisServer.url);
    await admin.flushall();
    await admin.quit();
  });

  /** An API node's engine (ROLE=api). */
  async function apiNode(node = 'api-1') {
    const parts = processParts(redisServer.url, { ROLE: 'api', NODE_ID: node });
    const sut = new QueuedEngine(
      parts.config,
      parts.redis,
      parts.queues,
      parts.registry,
      parts.counters,
    );
    sut.onModuleInit();
    cleanups.push(async () => {
      await sut.close();
      await parts.queues.onApplicationShutdown();
      await parts.redis.onApplicationShutdown();
    });
    await waitFor('the queue to connect', () => !/connecting/.test(sut.notReadyReason ?? ''));
    return { sut, ...parts };
  }

  /** A worker process (ROLE=worker) running `engine`. */
  function workerNode(node: string, engine: FakeEngine, env: Record<string, string> = {}) {
    const parts = processParts(redisServer.url, { ROLE: 'worker', NODE_ID: node, ...env });
    const worker = new EngineWorkerService(
      parts.config,
      parts.redis,
      parts.registry,
      parts.counters,
      { engine },
    );
    worker.onModuleInit();
    const shutdown = async () => {
      worker.beforeApplicationShutdown();
      await worker.onApplicationShutdown();
      await parts.queues.onApplicationShutdown();
      await parts.redis.onApplicationShutdown();
    };
    cleanups.push(shutdown);
    return { worker, shutdown, ...parts };
  }

  it('runs a final on a worker and returns its text; no audio stays in Redis', async () => {
    const { sut, counters } = await apiNode();
    const engine = new FakeEngine();
    engine.answer = (req) => ({ text: `heard ${req.wav.toString()}`, language: 'en' });
    const worker = workerNode('w1', engine);
    await waitFor('a live worker', () => sut.workersAlive === 1);

    const result = await sut.transcribe(request('final', 3), never());

    expect(result).toEqual({ text: 'heard RIFF-utterance-3-final', language: 'en' });
    expect(engine.calls[0].request).toMatchObject({
      durationMs: 1200,
      language: 'en',
      purpose: 'final',
    });
    expect(sut.info).toEqual({ id: 'fake', model: 'fake-1' });
    expect(sut.paid).toBe(false);
    expect(counters.submitted.final).toMatchObject({ added: 1, completed: 1, failed: 0 });
    await waitFor('the worker to count it', () => worker.counters.worked.final.completed === 1);
    const admin = new Redis(redisServer.url);
    const jobKeys = (await admin.keys('whisperstream:engine-final:*')).filter(
      (key) => !/:(events|meta|id|stalled-check|marker)$/.test(key),
    );
    await admin.quit();
    expect(jobKeys).toEqual([]);
  });

  it('says it is not ready, and fails calls at once, while no worker is alive', async () => {
    const { sut } = await apiNode();
    await waitFor('a look at the registry', () =>
      /no engine worker/.test(sut.notReadyReason ?? ''),
    );
    await expect(sut.transcribe(request('final'), never())).rejects.toMatchObject({
      code: 'engine_unavailable',
      retryable: true,
    });

    const worker = workerNode('w1', new FakeEngine());
    await waitFor('the worker to be seen', () => sut.notReadyReason === undefined);
    await worker.shutdown();
    await waitFor('the worker to be gone', () => sut.notReadyReason !== undefined);
    expect(sut.notReadyReason).toMatch(/no engine worker is alive/);
  });

  it('takes info and paid from what the workers announce, and reports them in metrics', async () => {
    const { sut, config, queues, registry, counters } = await apiNode();
    workerNode('w1', new FakeEngine(true), { TRANSCRIPTION_CONCURRENCY: '5' });
    await waitFor('a live worker', () => sut.workersAlive === 1);
    expect(sut.paid).toBe(true);
    expect(await registry.alive()).toMatchObject([
      { node: 'w1', engine: { id: 'fake' }, paid: true, concurrency: { final: 5, partial: 1 } },
    ]);

    const metrics = await new EngineQueueMetrics(config, queues, registry, counters).snapshot();
    expect(metrics).toEqual({
      role: 'api',
      node: 'api-1',
      workersAlive: 1,
      queues: { final: { waiting: 0, active: 0 }, partial: { waiting: 0, active: 0 } },
      jobs: counters.snapshot(),
    });
  });

  it('never makes a partial wait behind a final', async () => {
    const { sut } = await apiNode();
    const engine = new FakeEngine(); // a local engine: one final at a time per worker
    workerNode('w1', engine);
    await waitFor('a live worker', () => sut.workersAlive === 1);

    const final1 = sut.transcribe(request('final', 0), never());
    const final2 = sut.transcribe(request('final', 1), never());
    await waitFor('the first final to run', () => engine.calls.length === 1);
    const partial = sut.transcribe(request('partial', 2), never());
    await waitFor('the partial to run', () => engine.calls.length === 2);
    expect(engine.calls[1].request.purpose).toBe('partial');
    engine.calls[1].resolve({ text: 'growing' });
    await expect(partial).resolves.toEqual({ text: 'growing' });

    engine.calls[0].resolve({ text: 'first' });
    await expect(final1).resolves.toEqual({ text: 'first' });
    await waitFor('the second final to run', () => engine.calls.length === 3);
    engine.calls[2].resolve({ text: 'second' });
    await expect(final2).resolves.toEqual({ text: 'second' });
  });

  it('drops a partial that is stale when a worker reaches it, without running it', async () => {
    const { sut, counters } = await apiNode();
    const engine = new FakeEngine();
    const worker = workerNode('w1', engine);
    await waitFor('a live worker', () => sut.workersAlive === 1);

    const first = sut.transcribe(request('partial', 0), never());
    await waitFor('the first partial to run', () => engine.calls.length === 1);
    const second = sut.transcribe(request('partial', 0), never());
    const outcome = second.catch((error: unknown) => error);
    await new Promise((resolve) => setTimeout(resolve, PARTIAL_STALE_MS + 200));
    engine.calls[0].resolve({ text: 'old' });
    await first;

    await expect(outcome).resolves.toMatchObject({ code: 'partial_stale', retryable: false });
    expect(engine.calls).toHaveLength(1);
    expect(counters.submitted.partial.stale).toBe(1);
    expect(worker.counters.worked.partial.staleDropped).toBe(1);
  });

  it("carries an engine error's code and retryable across the queue", async () => {
    const { sut, counters } = await apiNode();
    const engine = new FakeEngine();
    engine.answer = () => Promise.reject(new EngineRejectedError('audio refused'));
    workerNode('w1', engine);
    await waitFor('a live worker', () => sut.workersAlive === 1);

    const error = await sut.transcribe(request('final'), never()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(EngineError);
    expect(error).toMatchObject({
      code: 'engine_rejected',
      message: 'audio refused',
      retryable: false,
    });
    expect(engine.calls).toHaveLength(1); // not tried again
    expect(counters.submitted.final.failed).toBe(1);
  });

  it('tries a final once more when the engine was unavailable, and fails it for good after that', async () => {
    const { sut } = await apiNode();
    const engine = new FakeEngine();
    let calls = 0;
    engine.answer = () => {
      calls++;
      return calls === 1
        ? Promise.reject(new EngineUnavailableError('engine restarting'))
        : { text: 'second try' };
    };
    const worker = workerNode('w1', engine);
    await waitFor('a live worker', () => sut.workersAlive === 1);

    await expect(sut.transcribe(request('final'), never())).resolves.toEqual({
      text: 'second try',
    });
    await waitFor('the worker to count it', () => worker.counters.worked.final.completed === 1);
    expect(worker.counters.worked.final).toMatchObject({ retried: 1, completed: 1, failed: 0 });

    engine.answer = () => Promise.reject(new EngineUnavailableError('engine gone'));
    await expect(sut.transcribe(request('final'), never())).rejects.toMatchObject({
      code: 'engine_unavailable',
      retryable: true,
    });
    await waitFor('the worker to count it', () => worker.counters.worked.final.failed === 1);
    expect(worker.counters.worked.final).toMatchObject({ retried: 2, failed: 1 });
  });

  it('removes the job of an aborted call before any worker runs it', async () => {
    const { sut, counters } = await apiNode();
    const engine = new FakeEngine();
    workerNode('w1', engine);
    await waitFor('a live worker', () => sut.workersAlive === 1);

    const running = sut.transcribe(request('final', 0), never());
    await waitFor('the first final to run', () => engine.calls.length === 1);
    const abort = new AbortController();
    const waiting = sut.transcribe(request('final', 1), abort.signal);
    await waitFor('the second job to be queued', () => counters.submitted.final.added === 2);
    abort.abort(new EngineError('partial_superseded', 'the final is on its way', false));
    await expect(waiting).rejects.toMatchObject({ code: 'partial_superseded' });

    engine.calls[0].resolve({ text: 'first' });
    await running;
    const admin = new Redis(redisServer.url);
    expect(await admin.llen('whisperstream:engine-final:wait')).toBe(0);
    await admin.quit();
    expect(engine.calls).toHaveLength(1);
    expect(counters.submitted.final).toMatchObject({ added: 2, completed: 1, aborted: 1 });
  });

  it('goes through a Redis restart: a job Redis lost is queued again, a call made meanwhile waits for Redis', async () => {
    const { sut, counters } = await apiNode();
    const engine = new FakeEngine();
    engine.answer = (req) =>
      engine.calls.length === 1
        ? new Promise<TranscriptionResult>(() => undefined) // answered below, by hand
        : { text: `heard ${req.wav.toString()}` };
    workerNode('w1', engine);
    await waitFor('a live worker', () => sut.workersAlive === 1);
    const lost = sut.transcribe(request('final', 1), never());
    await waitFor('the job to run', () => engine.calls.length === 1);

    await redisServer.down(); // without persistence: the job is gone with it
    const meanwhile = sut.transcribe(request('final', 2), never());
    await redisServer.up();
    // Its worker ends the old job at last; its answer is not the result.
    engine.calls[0].resolve({ text: 'from before the restart' });

    await expect(lost).resolves.toEqual({ text: 'heard RIFF-utterance-1-final' });
    await expect(meanwhile).resolves.toEqual({ text: 'heard RIFF-utterance-2-final' });
    expect(counters.submitted.final).toMatchObject({ added: 2, completed: 2, lost: 1, failed: 0 });
    expect(engine.calls.map((call) => call.request.context?.segmentId).sort()).toEqual([1, 1, 2]);
  }, 20_000);

  it('has another worker run a job whose worker went away mid-job, within 1.5 lock times, and resolves it once', async () => {
    const { sut, counters } = await apiNode();
    const first = new FakeEngine();
    const dying = workerNode('w-dying', first, { SHUTDOWN_TIMEOUT_MS: '0' });
    await waitFor('the first worker', () => sut.workersAlive === 1);
    const result = sut.transcribe(request('final', 7), never());
    await waitFor('the job to run on the first worker', () => first.calls.length === 1);

    // Its shutdown time is 0: the running job is left behind, its lock no longer renewed.
    const leftAt = Date.now();
    await dying.shutdown();
    const second = new FakeEngine();
    second.answer = () => ({ text: 'from the second worker' });
    workerNode('w-second', second);

    await expect(result).resolves.toEqual({ text: 'from the second worker' });
    const rerunAfterMs = Date.now() - leftAt;
    // Twice the stated bound: late timers on a loaded machine, still far from BullMQ's 30 s lock.
    expect(rerunAfterMs).toBeLessThan(stalledJobBound(LOCK_MS) * 2);
    // The first worker's late answer is not a second result.
    first.calls[0].resolve({ text: 'from the dead worker' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(counters.submitted.final).toMatchObject({ added: 1, completed: 1, stalled: 1 });
    process.stdout.write(
      `stalled job run again ${rerunAfterMs} ms after its worker went (bound ${stalledJobBound(LOCK_MS)} ms)\n`,
    );
  });
});
