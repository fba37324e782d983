import { Module } from '@nestjs/common';
import { AppConfig } from '../../config/app-config';
import { chooseEngine } from '../../transcription/engine-selection';
import { RedisModule } from '../redis.module';
import { EngineQueueModule } from './engine-queue.module';
import { EngineWorkerService, WORKER_ENGINE } from './engine-worker.service';

/**
 * The engine worker (ROLE worker, or all, in cluster mode): the engine chosen from the
 * configuration as `npm start` chooses it, run on the jobs of the queues.
 */
@Module({
  imports: [RedisModule, EngineQueueModule],
  providers: [
    { provide: WORKER_ENGINE, useFactory: chooseEngine, inject: [AppConfig] },
    EngineWorkerService,
  ],
  exports: [EngineWorkerService],
})
export class EngineWorkerModule {}
