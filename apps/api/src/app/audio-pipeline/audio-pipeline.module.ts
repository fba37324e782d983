import { Module } from '@nestjs/common';
import { AudioPipelineService } from './audio-pipeline.service';
import { PipelineTotals } from './pipeline-totals.service';

@Module({
  providers: [AudioPipelineService, PipelineTotals],
  exports: [AudioPipelineService, PipelineTotals],
})
export class AudioPipelineModule {}
