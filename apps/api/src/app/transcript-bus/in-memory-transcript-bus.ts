import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { TranscriptBus, type TranscriptChannel } from './transcript-bus';
import { TranscriptStream } from './transcript-stream';

/** Each session's channel is a TranscriptStream in this process, replaying SSE_REPLAY_EVENTS. */
@Injectable()
export class InMemoryTranscriptBus extends TranscriptBus {
  constructor(private readonly config: AppConfig) {
    super();
  }

  open(_sessionId: string): TranscriptChannel {
    return new TranscriptStream(this.config.SSE_REPLAY_EVENTS);
  }
}
