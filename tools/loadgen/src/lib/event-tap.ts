import { performance } from 'node:perf_hooks';
import { TranscriptEventStream, WhisperStreamClient } from '@whisperstream/client';
import type { TranscriptEvent } from '@whisperstream/shared-types';

/** One event with the moment (`performance.now()`) it arrived. */
export interface TimedEvent {
  event: TranscriptEvent;
  at: number;
}

/**
 * A lean reader of a session's event stream for load: libs/client's TranscriptEventStream (a
 * fetch-stream SSE reader that parses with the contract's schemas), keeping the arrival time of
 * each event and counting contract violations (bad frames, ids that do not rise by one) instead
 * of failing on them. It does not reconnect: a dropped stream is a finding under load.
 */
export class EventTap {
  readonly events: TimedEvent[] = [];
  ended = false;
  private stream: TranscriptEventStream | null = null;
  private readonly listeners = new Set<(e: TimedEvent | null) => void>();

  private constructor(private readonly onEvent?: (e: TimedEvent) => void) {}

  /** Frames outside the contract, and ids that did not rise by one (gaps, replays). */
  get violations(): number {
    const counts = this.stream?.counts;
    return counts ? counts.rejected + counts.gaps + counts.replays : 0;
  }

  /** Opens `GET /api/sessions/{id}/events?token=`; rejects unless the server answers 200 SSE. */
  static async open(
    baseUrl: string,
    sessionId: string,
    token: string,
    onEvent?: (e: TimedEvent) => void,
    timeoutMs = 10_000,
  ): Promise<EventTap> {
    const tap = new EventTap(onEvent);
    // The timeout is for the answer: a live stream may be quiet for longer (keep-alives come
    // every SSE_KEEPALIVE_MS, 15 s by default).
    const stream = await new WhisperStreamClient({ baseUrl })
      .events(
        { sessionId, token },
        {
          connectTimeoutMs: timeoutMs,
          reconnectDelaysMs: [],
          onEvent: (event) => tap.push({ event, at: performance.now() }),
        },
      )
      .catch((err: Error) => {
        throw new Error(`events: ${err.message}`);
      });
    tap.stream = stream;
    void stream.done.then(() => tap.markEnded());
    return tap;
  }

  count(type: TranscriptEvent['type']): number {
    return this.events.filter((e) => e.event.type === type).length;
  }

  /** Resolves with the first event of that type (past or future); null on timeout or stream end. */
  waitForType(type: TranscriptEvent['type'], timeoutMs: number): Promise<TimedEvent | null> {
    const found = this.events.find((e) => e.event.type === type);
    if (found || this.ended) {
      return Promise.resolve(found ?? null);
    }
    return new Promise((resolve) => {
      const done = (value: TimedEvent | null): void => {
        clearTimeout(timer);
        this.listeners.delete(listener);
        resolve(value);
      };
      const listener = (e: TimedEvent | null): void => {
        if (e === null) {
          done(null);
        } else if (e.event.type === type) {
          done(e);
        }
      };
      const timer = setTimeout(() => done(null), timeoutMs);
      this.listeners.add(listener);
    });
  }

  close(): void {
    this.stream?.close();
    this.markEnded();
  }

  private push(e: TimedEvent): void {
    this.events.push(e);
    this.onEvent?.(e);
    for (const listener of [...this.listeners]) {
      listener(e);
    }
  }

  private markEnded(): void {
    if (this.ended) {
      return;
    }
    this.ended = true;
    for (const listener of [...this.listeners]) {
      listener(null);
    }
  }
}
