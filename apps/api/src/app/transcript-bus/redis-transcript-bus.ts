import { Injectable, Logger } from '@nestjs/common';
import {
  parseTranscriptEvent,
  type TranscriptEvent,
  type TranscriptLine,
  TranscriptLineSchema,
} from '@whisperstream/shared-types';
import type { Redis } from 'ioredis';
import { Observable } from 'rxjs';
import { RedisConnections } from '../cluster/redis-connections';
import { AppConfig } from '../config/app-config';
import { LocalChannels } from './local-channels';
import {
  RETENTION_GRACE_MS,
  TranscriptBus,
  type TranscriptChannel,
  TranscriptUnavailableError,
} from './transcript-bus';
import { type TranscriptHistory, transcriptLineOf, TranscriptStream } from './transcript-stream';

/**
 * A session's keys. The `{id}` is a Redis Cluster hash tag: both keys of a session live in
 * the same slot.
 */
export const TRANSCRIPT_KEYS = {
  /** STREAM: the session's events, entry ID `<SSE id>-0`, fields `type` and `data` (JSON); capped. */
  events: (sessionId: string) => `whisperstream:events:{${sessionId}}`,
  /** STREAM: the session's transcript lines (its non-empty finals), entry ID `<SSE id>-0`, field `line` (JSON); whole. */
  lines: (sessionId: string) => `whisperstream:lines:{${sessionId}}`,
} as const;

/** How long a reader's XREAD blocks before it checks that the stream is still there. */
const READ_BLOCK_MS = 10_000;
/** At most this many events per XREAD reply. */
const READ_COUNT = 500;
/** How long a read on the shared connection (transcript, take-over) may wait for Redis. */
const QUERY_TIMEOUT_MS = 3000;
/** Ids per XDEL when a stream is compacted. */
const XDEL_CHUNK = 1000;

type Write =
  | { kind: 'event'; sessionId: string; event: TranscriptEvent }
  | { kind: 'drop'; sessionId: string; ids: number[] }
  | { kind: 'forget'; sessionId: string };

/**
 * Cluster mode's TranscriptBus: one Redis Stream per session, so that any API node serves its
 * events (SSE, with `Last-Event-ID` resume across nodes) and its transcript.
 *
 * - The owner node numbers each event synchronously (a TranscriptStream, as in one process:
 *   `emit` returns the numbered event) and its own subscribers get it at once from that
 *   stream, without a round trip. It is the only writer: events go to Redis in order, every
 *   event emitted in one tick in one pipeline on the shared connection, as `XADD ... MAXLEN ~
 *   SSE_REPLAY_EVENTS <id>-0`; non-empty finals also go to the session's lines stream, which is
 *   never trimmed. The explicit entry IDs make a write that ioredis sends again after a
 *   reconnect a no-op (Redis refuses an ID that is not above the last).
 * - Other nodes read with XREAD BLOCK from `<afterId>-0`, on a connection of their own per
 *   subscriber (closed on unsubscribe), and complete after `end`.
 * - At `end` the keys get an expiry of SESSION_RETENTION_MS + RETENTION_GRACE_MS; `forget`
 *   deletes them at once. `compact` deletes the session's `partial` entries.
 * - Redis unreachable: the owner's subscribers notice nothing (they read the owner's own
 *   stream) and its writes wait in ioredis's offline queue, in order, until Redis is back. A
 *   reader on another node errors with TranscriptUnavailableError as soon as its connection
 *   fails or closes (the SSE response ends; the client reconnects with `Last-Event-ID`); a
 *   transcript read rejects the same way, within QUERY_TIMEOUT_MS.
 */
@Injectable()
export class RedisTranscriptBus extends TranscriptBus {
  readonly #logger = new Logger(RedisTranscriptBus.name);
  /** The channels this node writes (its own sessions and those it took over). */
  readonly #owned: LocalChannels<TranscriptStream>;
  /** The writes of this tick, not sent yet. */
  #batch?: { writes: Write[]; stored: Promise<void> };
  /** Answered once the last batch sent (and so every batch before it) is answered. */
  #lastBatch: Promise<void> = Promise.resolve();

  constructor(
    private readonly config: AppConfig,
    private readonly redis: RedisConnections,
  ) {
    super();
    this.#owned = new LocalChannels(config);
  }

  open(sessionId: string): TranscriptChannel {
    return this.#own(sessionId);
  }

  async takeOver(sessionId: string): Promise<TranscriptChannel> {
    const mine = this.#owned.get(sessionId);
    if (mine) return mine;
    const history = await this.#query('take over', async (redis) => {
      const [events, lines] = await Promise.all([
        redis.xrange(TRANSCRIPT_KEYS.events(sessionId), '-', '+'),
        redis.xrange(TRANSCRIPT_KEYS.lines(sessionId), '-', '+'),
      ]);
      return {
        events: events.map(([id, fields]) => toEvent(id, fields)),
        lines: lines.map(([, fields]) => toLine(fields)),
        lastId: lines.length > 0 ? idOf(lines[lines.length - 1][0]) : 0,
      } satisfies TranscriptHistory;
    });
    return this.#owned.get(sessionId) ?? this.#own(sessionId, history);
  }

  events$(sessionId: string, afterId = 0): Observable<TranscriptEvent> {
    return this.#owned.get(sessionId)?.events$(afterId) ?? this.#read$(sessionId, afterId);
  }

  async lines(sessionId: string): Promise<readonly TranscriptLine[]> {
    const mine = this.#owned.get(sessionId);
    if (mine) return mine.lines;
    const entries = await this.#query('read the transcript', (redis) =>
      redis.xrange(TRANSCRIPT_KEYS.lines(sessionId), '-', '+'),
    );
    return entries.map(([, fields]) => toLine(fields));
  }

  /**
   * Drops the session's channel on this node and deletes its keys (after every write queued
   * before). Resolves once Redis has deleted them; while Redis is unreachable the deletion waits
   * in the offline queue (and the keys of an ended session expire by themselves anyway).
   */
  forget(sessionId: string): Promise<void> {
    this.#owned.delete(sessionId);
    return this.#enqueue({ kind: 'forget', sessionId });
  }

  /** Resolves once every write queued so far has been answered by Redis. */
  stored(): Promise<void> {
    return this.#lastBatch;
  }

  /** A channel this node writes, from a history (take-over) or from nothing (a new session). */
  #own(sessionId: string, history?: TranscriptHistory): TranscriptStream {
    const partials = history?.events.filter((e) => e.type === 'partial').map((e) => e.id) ?? [];
    const channel: TranscriptStream = new TranscriptStream(this.config.SSE_REPLAY_EVENTS, {
      history,
      onEmit: (event) => {
        if (event.type === 'partial') partials.push(event.id);
        void this.#enqueue({ kind: 'event', sessionId, event });
        if (event.type === 'end') this.#owned.ended(sessionId, channel);
      },
      onCompact: () => {
        const ids = partials.splice(0);
        if (ids.length > 0) void this.#enqueue({ kind: 'drop', sessionId, ids });
      },
    });
    this.#owned.add(sessionId, channel);
    return channel;
  }

  /** Queues a write; everything queued in one tick goes out in one pipeline, in order. */
  #enqueue(write: Write): Promise<void> {
    if (!this.#batch) {
      const writes: Write[] = [];
      const stored = new Promise<void>((resolve) =>
        queueMicrotask(() => {
          this.#batch = undefined;
          resolve(this.#flush(writes));
        }),
      );
      this.#batch = { writes, stored };
      this.#lastBatch = stored;
    }
    this.#batch.writes.push(write);
    return this.#batch.stored;
  }

  /** Sends a batch of writes as one pipeline; never rejects (failures are logged). */
  async #flush(writes: readonly Write[]): Promise<void> {
    const pipeline = this.redis.command.pipeline();
    const sessionOf: string[] = [];
    const ttl = this.config.SESSION_RETENTION_MS + RETENTION_GRACE_MS;
    for (const write of writes) {
      const events = TRANSCRIPT_KEYS.events(write.sessionId);
      const lines = TRANSCRIPT_KEYS.lines(write.sessionId);
      if (write.kind === 'event') {
        const { event } = write;
        const id = `${event.id}-0`;
        pipeline.xadd(
          events,
          'MAXLEN',
          '~',
          this.config.SSE_REPLAY_EVENTS,
          id,
          'type',
          event.type,
          'data',
          JSON.stringify(event.data),
        );
        sessionOf.push(write.sessionId);
        const line = transcriptLineOf(event);
        if (line) {
          pipeline.xadd(lines, id, 'line', JSON.stringify(line));
          sessionOf.push(write.sessionId);
        }
        if (event.type === 'end') {
          pipeline.pexpire(events, ttl).pexpire(lines, ttl);
          sessionOf.push(write.sessionId, write.sessionId);
        }
      } else if (write.kind === 'drop') {
        for (let i = 0; i < write.ids.length; i += XDEL_CHUNK) {
          const ids = write.ids.slice(i, i + XDEL_CHUNK).map((n) => `${n}-0`);
          pipeline.xdel(events, ...ids);
          sessionOf.push(write.sessionId);
        }
      } else {
        pipeline.del(events, lines);
        sessionOf.push(write.sessionId);
      }
    }
    try {
      const results = (await pipeline.exec()) ?? [];
      results.forEach(([error], i) => {
        // A write that ioredis sent again after a reconnect was already stored.
        if (!error || /equal or smaller than the target stream top item/.test(error.message))
          return;
        this.#logger.warn({
          msg: 'transcript event not stored',
          sessionId: sessionOf[i],
          error: error.message,
        });
      });
    } catch (error) {
      this.#logger.warn({ msg: 'transcript events not stored', error: String(error) });
    }
  }

  /**
   * Another node's session: its events after `afterId` from Redis, then the live ones, on a
   * connection of this subscriber's own, until `end` (or until the stream has gone: it was
   * forgotten or expired). Errors with TranscriptUnavailableError when the connection fails.
   */
  #read$(sessionId: string, afterId: number): Observable<TranscriptEvent> {
    return new Observable<TranscriptEvent>((subscriber) => {
      const key = TRANSCRIPT_KEYS.events(sessionId);
      const connection = this.redis.create('transcript-reader');
      // A reader does not reconnect: its subscriber errors at once and its client resumes from
      // its Last-Event-ID (ioredis then ends the connection and fails what was pending).
      connection.options.retryStrategy = () => null;
      let cursor = `${afterId}-0`;
      let seen = afterId > 0;
      let done = false;
      const finish = (error?: unknown) => {
        if (done) return;
        done = true;
        if (connection.status !== 'end') connection.disconnect();
        if (error === undefined) subscriber.complete();
        else subscriber.error(error);
      };
      const unavailable = (why: string) => {
        if (done) return;
        this.#logger.warn({ msg: 'transcript events cannot be read', sessionId, why });
        finish(new TranscriptUnavailableError(`the session's events cannot be read: ${why}`));
      };
      connection.on('error', (error: Error) => unavailable(error.message));
      connection.on('close', () => unavailable('the connection to Redis closed'));
      const read = async () => {
        while (!done) {
          const reply = await connection.xread(
            'COUNT',
            READ_COUNT,
            'BLOCK',
            READ_BLOCK_MS,
            'STREAMS',
            key,
            cursor,
          );
          if (done) return;
          if (!reply) {
            if (seen && (await connection.exists(key)) === 0) finish();
            continue;
          }
          for (const [id, fields] of reply[0]?.[1] ?? []) {
            const event = toEvent(id, fields);
            cursor = id;
            seen = true;
            subscriber.next(event);
            if (event.type === 'end') return finish();
          }
        }
      };
      read().catch((error: unknown) => {
        if (error instanceof Error && /Connection is closed/.test(error.message)) {
          unavailable(error.message);
        } else {
          finish(error);
        }
      });
      return () => finish();
    });
  }

  /** A read on the shared connection: at once TranscriptUnavailableError if Redis is known to be down, else within QUERY_TIMEOUT_MS. */
  async #query<T>(what: string, run: (redis: Redis) => Promise<T>): Promise<T> {
    const redis = this.redis.command;
    if (redis.status === 'reconnecting' || redis.status === 'end' || redis.status === 'close') {
      throw new TranscriptUnavailableError(`cannot ${what}: Redis is not connected`);
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new TranscriptUnavailableError(
              `cannot ${what}: Redis did not answer in ${QUERY_TIMEOUT_MS} ms`,
            ),
          ),
        QUERY_TIMEOUT_MS,
      );
    });
    try {
      return await Promise.race([run(redis), timeout]);
    } catch (error) {
      if (error instanceof TranscriptUnavailableError) throw error;
      throw new TranscriptUnavailableError(`cannot ${what}: ${String(error)}`, { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }
}

/** `<n>-0` -> n. */
function idOf(entryId: string): number {
  return Number(entryId.slice(0, entryId.indexOf('-')));
}

/** A field of a stream entry (`[name, value, name, value, ...]`). */
function field(fields: readonly string[], name: string): string {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  throw new SyntaxError(`stream entry without "${name}"`);
}

/** An events entry, parsed with the contract's schema (Redis is a boundary too). */
function toEvent(entryId: string, fields: readonly string[]): TranscriptEvent {
  return parseTranscriptEvent(field(fields, 'type'), idOf(entryId), field(fields, 'data'));
}

function toLine(fields: readonly string[]): TranscriptLine {
  return TranscriptLineSchema.parse(JSON.parse(field(fields, 'line')));
}
