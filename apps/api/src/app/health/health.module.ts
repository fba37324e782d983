import { DynamicModule, Module } from '@nestjs/common';
import { AudioPipelineModule } from '../audio-pipeline/audio-pipeline.module';
import { EngineQueueModule } from '../cluster/engine-queue/engine-queue.module';
import { EngineWorkerModule } from '../cluster/engine-queue/engine-worker.module';
import type { Env } from '../config/config.schema';
import { SessionsModule } from '../sessions/sessions.module';
import { TranscriptionModule } from '../transcription/transcription.module';
import { HealthController } from './health.controller';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';
import { PrometheusService } from './prometheus.service';

/**
 * /healthz, /readyz, /metrics (Prometheus) and /metrics.json for what this process is: an API node (sessions, the engine
 * they use) and, in cluster mode with ROLE worker or all, an engine worker.
 */
@Module({})
export class HealthModule {
  static forRole(config: Pick<Env, 'ROLE' | 'REDIS_URL'>): DynamicModule {
    const api = config.ROLE !== 'worker';
    const worker = config.REDIS_URL !== undefined && config.ROLE !== 'api';
    return {
      module: HealthModule,
      imports: [
        ...(api ? [SessionsModule, TranscriptionModule, AudioPipelineModule] : []),
        ...(worker ? [EngineWorkerModule] : []),
        EngineQueueModule,
      ],
      controllers: [HealthController, MetricsController],
      providers: [MetricsService, PrometheusService],
    };
  }
}
