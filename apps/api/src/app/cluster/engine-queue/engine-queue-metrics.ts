import { Injectable } from '@nestjs/common';
import type { ClusterMetricsJson } from '@whisperstream/shared-types';
import { AppConfig } from '../../config/app-config';
import { EngineJobCounters } from './engine-job-counters';
import { EngineQueues, type QueueDepth } from './engine-queues';
import { EngineWorkerRegistry } from './engine-worker-registry';
import { redisTimeoutMs, withTimeout } from './with-timeout';

/** The `cluster` section of GET /metrics: queue depth, live workers, this process's job counts. */
@Injectable()
export class EngineQueueMetrics {
  constructor(
    private readonly config: AppConfig,
    private readonly queues: EngineQueues,
    private readonly registry: EngineWorkerRegistry,
    private readonly counters: EngineJobCounters,
  ) {}

  /** Undefined without REDIS_URL (no cluster, no section). */
  async snapshot(): Promise<ClusterMetricsJson | undefined> {
    if (this.config.REDIS_URL === undefined) return undefined;
    const timeout = redisTimeoutMs(this.config.NODE_HEARTBEAT_MS);
    const [queues, workers] = await Promise.all([
      withTimeout(this.queues.depth(), timeout).catch((): QueueDepth | null => null),
      withTimeout(this.registry.alive(), timeout).catch(() => []),
    ]);
    return {
      role: this.config.ROLE,
      node: this.config.NODE_ID,
      workersAlive: workers.length,
      queues,
      jobs: this.counters.snapshot(),
    };
  }
}
