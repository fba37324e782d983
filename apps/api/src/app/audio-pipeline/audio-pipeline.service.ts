import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { OpusEncoder } from '@discordjs/opus';
import { AppConfig } from '../config/app-config';
import { AudioPipeline, type PcmSink } from './audio-pipeline';
import { AUDIO_BURST_MS, AUDIO_MAX_SPEED } from './audio-rate-limit';
import { PipelineTotals } from './pipeline-totals.service';
import { SAMPLE_RATE } from './opus-decode.stage';
import { FixedSegmenter, Segmenter, SegmenterSink } from './segmenter';
import { DEFAULT_V4_FRAME_SAMPLES, VadModel } from './vad/vad-model';
import { VadSegmenter } from './vad/vad-segmenter';

/**
 * Builds one session's pipeline: a libopus decoder of its own and the configured segmenter; its
 * stats go into the process-wide PipelineTotals when it ends.
 */
@Injectable()
export class AudioPipelineService implements OnModuleInit {
  readonly #logger = new Logger(AudioPipelineService.name);
  #vad?: VadModel;

  constructor(
    private readonly config: AppConfig,
    // Nest injects the module's one instance; callers outside Nest may leave it out.
    private readonly totals: PipelineTotals = new PipelineTotals(),
  ) {}

  /** With `SEGMENTATION=vad`, the Silero model is loaded once, before the first session. */
  async onModuleInit(): Promise<void> {
    if (this.config.SEGMENTATION === 'vad') {
      this.#vad = await VadModel.load();
      this.#logger.log({ msg: 'voice activity model loaded', version: this.#vad.version });
    }
  }

  /**
   * One RTP stream's pipeline, decoding to PCM for `sink`, its audio capped at real time plus
   * AUDIO_BURST_MS and AUDIO_MAX_SPEED: going over it is logged once (warn) and counted.
   * `sessionId` names the session in that log.
   */
  create(payloadType: number, sink: PcmSink, context: { sessionId?: string } = {}): AudioPipeline {
    // libopus decodes straight to 16 kHz mono; a decoder holds state, so one per stream.
    const decoder = new OpusEncoder(SAMPLE_RATE, 1);
    const ref: { pipeline?: AudioPipeline } = {};
    ref.pipeline = new AudioPipeline(payloadType, decoder, sink, {
      onEnd: (stats) => this.totals.record(stats),
      onRateLimited: () => {
        this.totals.recordRateLimited();
        this.#logger.warn({
          msg: 'audio arrives faster than real time; what is over the cap is dropped',
          sessionId: context.sessionId,
          burstMs: AUDIO_BURST_MS,
          maxSpeed: AUDIO_MAX_SPEED,
          audioMs: ref.pipeline?.stats.audioMs,
        });
      },
    });
    return ref.pipeline;
  }

  /** A segmenter as configured (SEGMENTATION), delivering to `sink`. */
  createSegmenter(sink: SegmenterSink): Segmenter {
    const c = this.config;
    switch (c.SEGMENTATION) {
      case 'fixed':
        return new FixedSegmenter(c.FIXED_CHUNK_MS, sink);
      case 'vad': {
        if (!this.#vad) throw new Error('the voice activity model is not loaded');
        // Frames of all streams arriving within VAD_BATCH_MS share one run of the model.
        const scorer = this.#vad.createScorer(DEFAULT_V4_FRAME_SAMPLES, c.VAD_BATCH_MS);
        return new VadSegmenter(scorer, sink, {
          settings: {
            minSilenceMs: c.VAD_PAUSE_MS,
            preRollMs: c.VAD_PRE_ROLL_MS,
            minSpeechMs: c.VAD_MIN_SPEECH_MS,
            maxUtteranceMs: c.VAD_MAX_UTTERANCE_MS,
          },
          onError: (error: unknown) =>
            this.#logger.error({ msg: 'voice activity detection failed', error: String(error) }),
        });
      }
    }
  }
}
