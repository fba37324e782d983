import { Injectable } from '@nestjs/common';
import type { TranscriptEvent, TranscriptLine } from '@whisperstream/shared-types';
import { type Observable, throwError } from 'rxjs';
import { AppConfig } from '../config/app-config';
import {
  RETENTION_GRACE_MS,
  TranscriptBus,
  type TranscriptChannel,
  TranscriptNotFoundError,
} from './transcript-bus';
import { TranscriptStream } from './transcript-stream';

/**
 * Each session's channel is a TranscriptStream in this process, replaying SSE_REPLAY_EVENTS,
 * and readable by session id until it is forgotten. An ended session's channel also goes by
 * itself SESSION_RETENTION_MS + RETENTION_GRACE_MS after its `end`, and at most
 * SESSION_RETENTION_MAX ended ones are kept (the first ended go first), as the sessions module
 * keeps its ended sessions: so memory stays bounded even if nobody calls `forget`.
 */
@Injectable()
export class InMemoryTranscriptBus extends TranscriptBus {
  readonly #channels = new Map<string, TranscriptStream>();
  /** The ended channels still kept, in the order they ended, with when. */
  readonly #ended = new Map<string, number>();

  constructor(private readonly config: AppConfig) {
    super();
  }

  open(sessionId: string): TranscriptChannel {
    this.#sweep();
    const channel: TranscriptStream = new TranscriptStream(this.config.SSE_REPLAY_EVENTS, {
      onEmit: (event) => {
        if (event.type === 'end') this.#endedNow(sessionId, channel);
      },
    });
    this.#ended.delete(sessionId);
    this.#channels.set(sessionId, channel);
    return channel;
  }

  /** In one process no owner is ever lost: the session's own channel, or a new one. */
  takeOver(sessionId: string): Promise<TranscriptChannel> {
    this.#sweep();
    return Promise.resolve(this.#channels.get(sessionId) ?? this.open(sessionId));
  }

  events$(sessionId: string, afterId = 0): Observable<TranscriptEvent> {
    this.#sweep();
    const channel = this.#channels.get(sessionId);
    return channel ? channel.events$(afterId) : throwError(() => new TranscriptNotFoundError());
  }

  lines(sessionId: string): Promise<readonly TranscriptLine[]> {
    this.#sweep();
    return Promise.resolve(this.#channels.get(sessionId)?.lines ?? []);
  }

  forget(sessionId: string): Promise<void> {
    this.#channels.delete(sessionId);
    this.#ended.delete(sessionId);
    return Promise.resolve();
  }

  /** How many sessions' channels are kept (open and ended). */
  get size(): number {
    return this.#channels.size;
  }

  #endedNow(sessionId: string, channel: TranscriptStream): void {
    if (this.#channels.get(sessionId) !== channel) return;
    this.#ended.set(sessionId, Date.now());
    this.#sweep();
  }

  /** Drops ended channels past their retention or beyond the cap, the first ended first. */
  #sweep(now = Date.now()): void {
    const { SESSION_RETENTION_MS, SESSION_RETENTION_MAX } = this.config;
    for (const [id, endedAt] of this.#ended) {
      const expired = now - endedAt >= SESSION_RETENTION_MS + RETENTION_GRACE_MS;
      if (!expired && this.#ended.size <= SESSION_RETENTION_MAX) break;
      this.#ended.delete(id);
      this.#channels.delete(id);
    }
  }
}
