import { inject, Injectable, signal } from '@angular/core';
import { EventSequence } from '@whisperstream/client';
import {
  TRANSCRIPT_EVENT_TYPES,
  TranscriptEvent,
  TranscriptEventType,
} from '@whisperstream/shared-types';
import { Observable, Subject } from 'rxjs';
import { BROWSER_APIS } from '../shared/browser-apis';
import { WHISPERSTREAM_CLIENT } from './api-client';

export type StreamState = 'idle' | 'connecting' | 'open' | 'reconnecting' | 'closed';

/** Backoff for reconnects that EventSource gives up on (it retries network blips itself). */
export const RECONNECT_DELAYS_MS = [1000, 2000, 4000, 8000, 10000, 10000, 10000, 10000];

/**
 * How long the stream may stay unable to reconnect before `stalled$` asks whether the server is
 * gone (and again after each further period). A blip is over well within it: EventSource
 * retries after the server's `retry:` (2 s), and a dead server refuses at once.
 */
export const STALL_AFTER_MS = 3000;

const EVENT_SOURCE_CLOSED = 2;

/**
 * The session's Server-Sent Events: `GET /api/sessions/{id}/events?token=`.
 *
 * Every event is parsed with the contract's schema and handed on once, in id order: EventSource
 * reconnects by itself after a blip and sends `Last-Event-ID`; when it gives up (an HTTP error
 * on reconnect) this service opens a new one after a backoff. Either way an event whose id is not
 * above the last one seen is a replay and is dropped, so no line is lost or doubled (the client
 * library's EventSequence, the rule its fetch-stream reader follows too). The page keeps the
 * browser's EventSource: it resumes by itself with `Last-Event-ID` and is what proxies expect.
 */
@Injectable({ providedIn: 'root' })
export class EventStream {
  readonly #apis = inject(BROWSER_APIS);
  readonly #client = inject(WHISPERSTREAM_CLIENT);
  #sequence = new EventSequence();
  readonly #events = new Subject<TranscriptEvent>();
  readonly #lost = new Subject<void>();
  readonly #resumed = new Subject<void>();
  readonly #stalled = new Subject<void>();
  /** Each contract event, once, in order. */
  readonly events$: Observable<TranscriptEvent> = this.#events.asObservable();
  /** Emits when reconnecting failed for good. */
  readonly lost$: Observable<void> = this.#lost.asObservable();
  /**
   * Emits when a new EventSource (opened by this service, so without `Last-Event-ID`) is
   * connected: events from the gap may only be in the server's transcript.
   */
  readonly resumed$: Observable<void> = this.#resumed.asObservable();
  /**
   * Emits when the stream has been trying to reconnect for `STALL_AFTER_MS`, and again after
   * each further `STALL_AFTER_MS` until it is open again: the server may be gone for good.
   */
  readonly stalled$: Observable<void> = this.#stalled.asObservable();

  readonly state = signal<StreamState>('idle');
  readonly lastEventId = signal(0);
  readonly reconnects = signal(0);
  /** Events that did not match the contract and were skipped. */
  readonly rejected = signal(0);

  #target: { sessionId: string; token: string } | null = null;
  #source: EventSource | null = null;
  #retryTimer: ReturnType<typeof setTimeout> | null = null;
  #stallTimer: ReturnType<typeof setInterval> | null = null;
  #failedAttempts = 0;

  open(sessionId: string, token: string): void {
    this.close();
    this.#target = { sessionId, token };
    this.#sequence = new EventSequence();
    this.lastEventId.set(0);
    this.reconnects.set(0);
    this.rejected.set(0);
    this.#failedAttempts = 0;
    this.#connect('connecting');
  }

  /** Stops listening; nothing reconnects after this. */
  close(): void {
    this.#target = null;
    this.#clearRetry();
    this.#clearStall();
    this.#dropSource();
    if (this.state() !== 'idle') {
      this.state.set('closed');
    }
  }

  #connect(state: StreamState): void {
    const target = this.#target;
    if (!target) {
      return;
    }
    const source = this.#apis.createEventSource(this.#client.eventsUrl(target));
    this.#source = source;
    this.state.set(state);
    source.onopen = () => {
      if (this.#source === source) {
        const resumed = this.#failedAttempts > 0;
        this.#failedAttempts = 0;
        this.#clearStall();
        this.state.set('open');
        if (resumed) {
          this.#resumed.next();
        }
      }
    };
    for (const type of TRANSCRIPT_EVENT_TYPES) {
      source.addEventListener(type, (event: Event) => {
        if (this.#source !== source) {
          return;
        }
        // `error` is both the contract's event type and EventSource's own connection error:
        // only a MessageEvent with data is the server's.
        const data = (event as MessageEvent).data as unknown;
        if (typeof data === 'string') {
          this.#receive(type, (event as MessageEvent).lastEventId, data);
        } else if (type === 'error') {
          this.#onConnectionError(source);
        }
      });
    }
  }

  #receive(type: TranscriptEventType, id: string, data: string): void {
    const verdict = this.#sequence.accept(type, id, data);
    if (verdict.kind === 'rejected') {
      this.rejected.set(this.#sequence.rejected);
      return;
    }
    if (verdict.kind === 'replay') {
      return; // replayed after a reconnect: already handed on
    }
    const event = verdict.event;
    this.lastEventId.set(event.id);
    this.#events.next(event);
    if (event.type === 'end') {
      // the last event: without this, EventSource would reconnect when the server closes
      this.#target = null;
      this.#clearStall();
      this.#dropSource();
      this.state.set('closed');
    }
  }

  #onConnectionError(source: EventSource): void {
    if (source.readyState !== EVENT_SOURCE_CLOSED) {
      // EventSource retries by itself, with Last-Event-ID. A server that is gone makes it retry
      // (readyState CONNECTING) for ever, never give up: `stalled$` lets the session find out.
      this.state.set('reconnecting');
      this.reconnects.update((n) => n + 1);
      this.#armStall();
      return;
    }
    this.#dropSource();
    const delay = RECONNECT_DELAYS_MS[this.#failedAttempts];
    if (delay === undefined || !this.#target) {
      this.#target = null;
      this.#clearStall();
      this.state.set('closed');
      this.#lost.next();
      return;
    }
    this.#armStall();
    this.#failedAttempts++;
    this.state.set('reconnecting');
    this.reconnects.update((n) => n + 1);
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      this.#connect('reconnecting');
    }, delay);
  }

  #dropSource(): void {
    const source = this.#source;
    this.#source = null;
    if (source) {
      source.onopen = null;
      source.close();
    }
  }

  /** Starts counting when reconnecting begins; later errors of the same outage do not restart it. */
  #armStall(): void {
    if (this.#stallTimer === null) {
      this.#stallTimer = setInterval(() => this.#stalled.next(), STALL_AFTER_MS);
    }
  }

  #clearStall(): void {
    if (this.#stallTimer !== null) {
      clearInterval(this.#stallTimer);
      this.#stallTimer = null;
    }
  }

  #clearRetry(): void {
    if (this.#retryTimer !== null) {
      clearTimeout(this.#retryTimer);
      this.#retryTimer = null;
    }
  }
}
