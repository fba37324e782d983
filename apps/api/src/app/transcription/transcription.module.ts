import { Module } from '@nestjs/common';
import { EngineQueueModule } from '../cluster/engine-queue/engine-queue.module';
import { QueuedEngine } from '../cluster/engine-queue/queued-engine';
import { AppConfig } from '../config/app-config';
import { TRANSCRIPTION_ENGINE } from './engine';
import { chooseEngine, type EngineChoice } from './engine-selection';
import { TranscriptionService } from './transcription.service';

/**
 * The engine sessions use: chosen from the configuration at boot, or in cluster mode (REDIS_URL
 * on an API node) the engine job queue, whose workers run the chosen engine.
 */
const chooseSessionEngine = (
  config: AppConfig,
  queued: QueuedEngine,
): EngineChoice | Promise<EngineChoice> => (queued.enabled ? queued.choice : chooseEngine(config));

@Module({
  imports: [EngineQueueModule],
  providers: [
    {
      provide: TRANSCRIPTION_ENGINE,
      useFactory: chooseSessionEngine,
      inject: [AppConfig, QueuedEngine],
    },
    TranscriptionService,
  ],
  exports: [TranscriptionService],
})
export class TranscriptionModule {}
