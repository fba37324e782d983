import { Module } from '@nestjs/common';
import { AudioPipelineModule } from '../audio-pipeline/audio-pipeline.module';
import { SessionsModule } from '../sessions/sessions.module';
import { TranscriptionModule } from '../transcription/transcription.module';
import { HealthController } from './health.controller';
import { MetricsController } from './metrics.controller';
import { MetricsService } from './metrics.service';

@Module({
  imports: [SessionsModule, TranscriptionModule, AudioPipelineModule],
  controllers: [HealthController, MetricsController],
  providers: [MetricsService],
})
export class HealthModule {}
