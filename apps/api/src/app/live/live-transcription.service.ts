import { Injectable } from '@nestjs/common';
import type { TranscriptEventInit } from '@whisperstream/shared-types';
import { AudioPipelineService } from '../audio-pipeline/audio-pipeline.service';
import { TranscriptionService } from '../transcription/transcription.service';
import { LiveTranscription } from './live-transcription';

/** Makes each session's LiveTranscription: the configured segmenter and engine. */
@Injectable()
export class LiveTranscriptionService {
  constructor(
    private readonly transcription: TranscriptionService,
    private readonly audio: AudioPipelineService,
  ) {}

  /** Throws a 503 when no engine is usable (see TranscriptionService.createTranscriber). */
  create(
    sessionId: string,
    language: string | undefined,
    publish: (event: TranscriptEventInit) => void,
  ): LiveTranscription {
    return new LiveTranscription({
      createSegmenter: (sink) => this.audio.createSegmenter(sink),
      transcriber: this.transcription.createTranscriber(sessionId, language, publish),
      publish,
    });
  }
}
