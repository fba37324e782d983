import { Injectable } from '@nestjs/common';
import { OpusEncoder } from '@discordjs/opus';
import { AppConfig } from '../config/app-config';
import { AudioPipeline, PipelineSink } from './audio-pipeline';
import { PipelineTotals } from './pipeline-totals.service';
import { SAMPLE_RATE } from './opus-decode.stage';
import { FixedSegmenter, Segmenter } from './segmenter';

/**
 * Builds one session's pipeline: a libopus decoder of its own and the configured segmenter; its
 * stats go into the process-wide PipelineTotals when it ends.
 */
@Injectable()
export class AudioPipelineService {
  constructor(
    private readonly config: AppConfig,
    // Nest injects the module's one instance; callers outside Nest may leave it out.
    private readonly totals: PipelineTotals = new PipelineTotals(),
  ) {}

  create(payloadType: number, sink: PipelineSink): AudioPipeline {
    // libopus decodes straight to 16 kHz mono; a decoder holds state, so one per stream.
    const decoder = new OpusEncoder(SAMPLE_RATE, 1);
    return new AudioPipeline(payloadType, decoder, this.createSegmenter(), sink, {
      onEnd: (stats) => this.totals.record(stats),
    });
  }

  createSegmenter(): Segmenter {
    switch (this.config.SEGMENTATION) {
      case 'fixed':
        return new FixedSegmenter(this.config.FIXED_CHUNK_MS);
    }
  }
}
