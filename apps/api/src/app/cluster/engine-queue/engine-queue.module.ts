import { Module } from '@nestjs/common';
import { RedisModule } from '../redis.module';
import { EngineJobCounters } from './engine-job-counters';
import { EngineQueueMetrics } from './engine-queue-metrics';
import { EngineQueues } from './engine-queues';
import { EngineWorkerRegistry } from './engine-worker-registry';
import { QueuedEngine } from './queued-engine';

/**
 * Engine jobs on BullMQ, the API side: the queues, the registry of live workers, the QueuedEngine
 * that sessions use in cluster mode, and the `cluster` metrics. Inert without REDIS_URL.
 */
@Module({
  imports: [RedisModule],
  providers: [
    EngineQueues,
    EngineWorkerRegistry,
    EngineJobCounters,
    QueuedEngine,
    EngineQueueMetrics,
  ],
  exports: [
    EngineQueues,
    EngineWorkerRegistry,
    EngineJobCounters,
    QueuedEngine,
    EngineQueueMetrics,
  ],
})
export class EngineQueueModule {}
