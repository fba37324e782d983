import { Module } from '@nestjs/common';
import { AudioPipelineService } from './audio-pipeline.service';

@Module({ providers: [AudioPipelineService], exports: [AudioPipelineService] })
export class AudioPipelineModule {}
