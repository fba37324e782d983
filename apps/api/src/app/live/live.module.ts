import { Module } from '@nestjs/common';
import { AudioPipelineModule } from '../audio-pipeline/audio-pipeline.module';
import { TranscriptionModule } from '../transcription/transcription.module';
import { LiveTranscriptionService } from './live-transcription.service';

@Module({
  imports: [TranscriptionModule, AudioPipelineModule],
  providers: [LiveTranscriptionService],
  exports: [LiveTranscriptionService],
})
export class LiveModule {}
