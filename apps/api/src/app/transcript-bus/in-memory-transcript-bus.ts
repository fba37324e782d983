import { Injectable } from '@nestjs/common';
import type { TranscriptEvent, TranscriptLine } from '@whisperstream/shared-types';
import { type Observable, throwError } from 'rxjs';
import { AppConfig } from '../config/app-config';
import { LocalChannels } from './local-channels';
import { TranscriptBus, type TranscriptChannel, TranscriptNotFoundError } from './transcript-bus';
import { TranscriptStream } from './transcript-stream';

/**
 * Each session's channel is a TranscriptStream in this process, replaying SSE_REPLAY_EVENTS,
 * readable by session id until it is forgotten (and kept as LocalChannels says once ended).
 */
@Injectable()
export class InMemoryTranscriptBus extends TranscriptBus {
  readonly #channels: LocalChannels<TranscriptStream>;

  constructor(private readonly config: AppConfig) {
    super();
    this.#channels = new LocalChannels(config);
  }

  open(sessionId: string): TranscriptChannel {
    const channel: TranscriptStream = new TranscriptStream(this.config.SSE_REPLAY_EVENTS, {
      onEmit: (event) => {
        if (event.type === 'end') this.#channels.ended(sessionId, channel);
      },
    });
    this.#channels.add(sessionId, channel);
    return channel;
  }

  /** In one process no owner is ever lost: the session's own channel, or a new one. */
  takeOver(sessionId: string): Promise<TranscriptChannel> {
    return Promise.resolve(this.#channels.get(sessionId) ?? this.open(sessionId));
  }

  events$(sessionId: string, afterId = 0): Observable<TranscriptEvent> {
    const channel = this.#channels.get(sessionId);
    return channel ? channel.events$(afterId) : throwError(() => new TranscriptNotFoundError());
  }

  lines(sessionId: string): Promise<readonly TranscriptLine[]> {
    return Promise.resolve(this.#channels.get(sessionId)?.lines ?? []);
  }

  forget(sessionId: string): Promise<void> {
    this.#channels.delete(sessionId);
    return Promise.resolve();
  }

  /** How many sessions' channels are kept (open and ended). */
  get size(): number {
    return this.#channels.size;
  }
}
