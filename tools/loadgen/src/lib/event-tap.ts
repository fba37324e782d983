import * as http from 'node:http';
import { performance } from 'node:perf_hooks';
import { parseTranscriptEvent, type TranscriptEvent } from '@whisperstream/shared-types';
import { SseClient, SseParser } from '@whisperstream/webrtc-client';

/** One event with the moment (`performance.now()`) it arrived. */
export interface TimedEvent {
  event: TranscriptEvent;
  at: number;
}

/**
 * A lean reader of a session's event stream for load: the webrtc-client's spec-complete
 * SseParser plus the contract's schemas, keeping the arrival time of each event and counting
 * contract violations (bad frames, ids that do not rise by one) instead of failing on them.
 */
export class EventTap {
  readonly events: TimedEvent[] = [];
  violations = 0;
  ended = false;
  private request: http.ClientRequest | null = null;
  private expectedId = 1;
  private readonly listeners = new Set<(e: TimedEvent | null) => void>();

  private constructor(private readonly onEvent?: (e: TimedEvent) => void) {}

  /** Opens `GET /api/sessions/{id}/events?token=`; rejects unless the server answers 200 SSE. */
  static open(
    baseUrl: string,
    sessionId: string,
    token: string,
    onEvent?: (e: TimedEvent) => void,
    timeoutMs = 10_000,
  ): Promise<EventTap> {
    const tap = new EventTap(onEvent);
    const url = SseClient.eventsUrl(baseUrl, sessionId, token);
    const parser = new SseParser({
      onFrame: (frame) => {
        try {
          const event = parseTranscriptEvent(frame.event, frame.id, frame.data);
          if (event.id !== tap.expectedId) {
            tap.violations++;
          }
          tap.expectedId = event.id + 1;
          tap.push({ event, at: performance.now() });
        } catch {
          tap.violations++;
        }
      },
    });
    return new Promise<EventTap>((resolve, reject) => {
      const req = http.get(url, { headers: { accept: 'text/event-stream' } }, (res) => {
        const isStream = String(res.headers['content-type'] ?? '').startsWith('text/event-stream');
        if (res.statusCode !== 200 || !isStream) {
          res.resume();
          req.destroy();
          reject(new Error(`events answered ${res.statusCode ?? 0}`));
          return;
        }
        // The timeout is for the answer: a live stream may be quiet for longer (keep-alives
        // come every SSE_KEEPALIVE_MS, 15 s by default).
        req.setTimeout(0);
        resolve(tap);
        res.on('data', (chunk: Buffer) => parser.push(chunk));
        res.on('close', () => tap.markEnded());
      });
      req.setTimeout(timeoutMs, () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)));
      req.on('error', (err) => {
        tap.markEnded();
        reject(new Error(`events: ${err.message}`));
      });
      tap.request = req;
    });
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
    this.request?.destroy();
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
