import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { EngineWorkerModule } from './cluster/engine-queue/engine-worker.module';
import { HttpExceptionFilter } from './common/http-exception.filter';
import { ConfigModule } from './config/config.module';
import type { Env } from './config/config.schema';
import { HealthModule } from './health/health.module';
import { OpenApiModule } from './openapi/openapi.module';
import { SessionsModule } from './sessions/sessions.module';
import { SignalingModule } from './signaling/signaling.module';
import { TranscriptsModule } from './transcripts/transcripts.module';

@Module({})
export class AppModule {
  /**
   * The modules of what this process is (ROLE): an API node (sessions, WebRTC, SSE; `api`, `all`)
   * and, in cluster mode (REDIS_URL) with `worker` or `all`, an engine worker. Without REDIS_URL
   * the one process is an API node whose sessions call the engine directly, as always.
   */
  static forRoot(config: Env): DynamicModule {
    const api = config.ROLE !== 'worker';
    const worker = config.REDIS_URL !== undefined && config.ROLE !== 'api';
    return {
      module: AppModule,
      imports: [
        ConfigModule.forRoot(config),
        ...(api
          ? [
              ThrottlerModule.forRoot([
                { ttl: 60_000, limit: config.SESSION_RATE_LIMIT_PER_MINUTE },
              ]),
              SessionsModule,
              SignalingModule,
              TranscriptsModule,
              OpenApiModule,
            ]
          : []),
        ...(worker ? [EngineWorkerModule] : []),
        HealthModule.forRole(config),
      ],
      providers: [{ provide: APP_FILTER, useClass: HttpExceptionFilter }],
    };
  }
}
