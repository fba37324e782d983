import type { AppConfig } from '../config/app-config';
import { RETENTION_GRACE_MS, type TranscriptChannel } from './transcript-bus';

/**
 * The channels a process holds, by session id, readable until they are forgotten. An ended
 * one also goes by itself SESSION_RETENTION_MS + RETENTION_GRACE_MS after its `end`, and at
 * most SESSION_RETENTION_MAX ended ones are kept (the first ended go first), as the sessions
 * module keeps its ended sessions: memory stays bounded even if nobody calls `forget`.
 * Expired channels are dropped lazily, on the next call.
 */
export class LocalChannels<C extends TranscriptChannel> {
  readonly #channels = new Map<string, C>();
  /** The ended channels still kept, in the order they ended, with when. */
  readonly #ended = new Map<string, number>();

  constructor(
    private readonly config: Pick<AppConfig, 'SESSION_RETENTION_MS' | 'SESSION_RETENTION_MAX'>,
  ) {}

  /** How many sessions' channels are kept (open and ended). */
  get size(): number {
    return this.#channels.size;
  }

  add(sessionId: string, channel: C): void {
    this.#sweep();
    this.#ended.delete(sessionId);
    this.#channels.set(sessionId, channel);
    if (channel.ended) this.ended(sessionId, channel);
  }

  get(sessionId: string): C | undefined {
    this.#sweep();
    return this.#channels.get(sessionId);
  }

  /** The channel has published `end`: its retention starts now. */
  ended(sessionId: string, channel: C): void {
    if (this.#channels.get(sessionId) !== channel) return;
    this.#ended.delete(sessionId);
    this.#ended.set(sessionId, Date.now());
    this.#sweep();
  }

  delete(sessionId: string): void {
    this.#channels.delete(sessionId);
    this.#ended.delete(sessionId);
  }

  /** Drops ended channels past their retention or beyond the cap, the first ended first. */
  #sweep(now = Date.now()): void {
    const { SESSION_RETENTION_MS, SESSION_RETENTION_MAX } = this.config;
    for (const [id, endedAt] of this.#ended) {
      const expired = now - endedAt >= SESSION_RETENTION_MS + RETENTION_GRACE_MS;
      if (!expired && this.#ended.size <= SESSION_RETENTION_MAX) break;
      this.delete(id);
    }
  }
}
