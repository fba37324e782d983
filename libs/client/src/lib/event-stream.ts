import type { TranscriptEvent } from '@whisperstream/shared-types';
import { ClientClosedError, HttpError, ProtocolError, ServerUnreachableError } from './errors';
import { EventSequence } from './event-sequence';
import { httpErrorFrom } from './http';
import { SseParser, type SseFrame } from './sse-parser';
import type { ByteStreamReader, FetchLike, ResponseLike } from './transport';

export type EventStreamState = 'connecting' | 'open' | 'reconnecting' | 'closed';

/** Why a stream is over: the session's `end`, `close()`, or reconnecting failed for good. */
export type EventStreamEnd =
  { reason: 'end' } | { reason: 'closed' } | { reason: 'lost'; error: Error };

/** Delays before each reconnect of a dropped stream; the count is how many in a row are tried. */
export const EVENT_STREAM_RECONNECT_DELAYS_MS: readonly number[] = [
  250, 500, 1000, 2000, 4000, 8000,
];

export interface EventStreamOptions {
  /** The events URL, with its `?token=` (see WhisperStreamClient.eventsUrl). */
  url: string;
  fetch: FetchLike;
  /** Resume after this id (sent as `Last-Event-ID`); 0 or absent: from the start. */
  lastEventId?: number;
  /** Extra request headers (an `Origin`). */
  headers?: Record<string, string>;
  /** Default EVENT_STREAM_RECONNECT_DELAYS_MS; `[]` never reconnects. */
  reconnectDelaysMs?: readonly number[];
  /** How long one connection attempt may wait for the response headers (default 10 s). */
  connectTimeoutMs?: number;
  /** Each contract event, once, in id order. */
  onEvent?(event: TranscriptEvent): void;
  onState?(state: EventStreamState): void;
  /** A frame that is not in the contract (it is skipped). */
  onRejected?(frame: SseFrame, error: string): void;
  /** A `:` comment line (the server's keep-alives). */
  onComment?(text: string): void;
}

const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/**
 * A session's Server-Sent Events (`GET /api/sessions/{id}/events?token=`) read from a `fetch`
 * response body: it runs in Node 20, which has no EventSource, and in browsers. Every frame is
 * parsed with the contract's schemas (EventSequence). When the connection drops before `end`,
 * it reconnects after a backoff with `Last-Event-ID`, so the server sends what came after and
 * no event is lost or doubled; a replay that overlaps is dropped all the same.
 *
 * The delays start over once a connection delivers a new event. A refusal (`4xx`) on a reconnect ends the stream as `lost` at once (the session is gone or the
 * token is wrong: retrying cannot help); a 5xx or a network failure is retried.
 */
export class TranscriptEventStream {
  readonly #options: EventStreamOptions;
  readonly #sequence: EventSequence;
  readonly #delays: readonly number[];
  #state: EventStreamState = 'connecting';
  #abort: AbortController | null = null;
  #reader: ByteStreamReader | null = null;
  #retryTimer: ReturnType<typeof setTimeout> | null = null;
  #failedAttempts = 0;
  #reconnects = 0;
  #finished: EventStreamEnd | null = null;
  #resolveDone!: (end: EventStreamEnd) => void;
  /** Settles once the stream is over, never rejects. */
  readonly done: Promise<EventStreamEnd>;

  private constructor(options: EventStreamOptions) {
    this.#options = options;
    this.#sequence = new EventSequence(options.lastEventId ?? 0);
    this.#delays = options.reconnectDelaysMs ?? EVENT_STREAM_RECONNECT_DELAYS_MS;
    this.done = new Promise((resolve) => (this.#resolveDone = resolve));
  }

  /**
   * Connects; resolves once the server answered `200 text/event-stream`. Rejects with an
   * HttpError carrying the server's code when it refuses (401 bad token, 404 unknown session),
   * ServerUnreachableError when it cannot be reached or does not answer in time, and
   * ProtocolError when the answer is not an event stream.
   */
  static async open(options: EventStreamOptions): Promise<TranscriptEventStream> {
    const stream = new TranscriptEventStream(options);
    const response = await stream.#request();
    stream.#setState('open');
    void stream.#read(response);
    return stream;
  }

  get state(): EventStreamState {
    return this.#state;
  }

  /** The id of the last event handed on: where a new stream would resume. */
  get lastEventId(): number {
    return this.#sequence.lastEventId;
  }

  /** How many times it connected again after a drop. */
  get reconnects(): number {
    return this.#reconnects;
  }

  /** Frames that broke the contract (skipped), replays dropped, and ids that skipped ahead. */
  get counts(): { rejected: number; replays: number; gaps: number } {
    return {
      rejected: this.#sequence.rejected,
      replays: this.#sequence.replays,
      gaps: this.#sequence.gaps,
    };
  }

  /** Stops reading; nothing reconnects after this. Idempotent. */
  close(): void {
    this.#finish({ reason: 'closed' });
  }

  async #request(): Promise<ResponseLike> {
    const abort = new AbortController();
    this.#abort = abort;
    const headers: Record<string, string> = {
      accept: 'text/event-stream',
      'cache-control': 'no-cache',
      ...this.#options.headers,
    };
    if (this.#sequence.lastEventId > 0) {
      headers['last-event-id'] = String(this.#sequence.lastEventId);
    }
    const timeoutMs = this.#options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      abort.abort();
    }, timeoutMs);
    let response: ResponseLike;
    try {
      response = await this.#options.fetch(this.#options.url, { headers, signal: abort.signal });
    } catch (cause) {
      if (this.#finished) {
        throw new ClientClosedError('the event stream was closed while connecting', { cause });
      }
      throw new ServerUnreachableError(
        timedOut
          ? `no answer from the event stream within ${timeoutMs} ms`
          : `cannot reach the event stream (${describe(cause)})`,
        { cause },
      );
    } finally {
      clearTimeout(timer);
    }
    if (!response.ok) {
      const error = await httpErrorFrom(response, Date.now());
      abort.abort();
      throw error;
    }
    const type = response.headers.get('content-type') ?? '';
    if (!type.startsWith('text/event-stream') || !response.body) {
      abort.abort();
      throw new ProtocolError(`the event stream answered ${type || 'no content type'}`);
    }
    return response;
  }

  async #read(response: ResponseLike): Promise<void> {
    const parser = new SseParser({
      onFrame: (frame) => this.#onFrame(frame),
      onComment: (text) => this.#options.onComment?.(text),
    });
    let reader: ByteStreamReader;
    try {
      if (!response.body) {
        throw new ProtocolError('the event stream has no body');
      }
      reader = response.body.getReader();
    } catch (error) {
      this.#dropped(error);
      return;
    }
    this.#reader = reader;
    let failure: unknown = null;
    try {
      while (!this.#finished) {
        const { done, value } = await reader.read();
        if (done) {
          break;
        }
        if (value) {
          parser.push(value);
        }
      }
    } catch (error) {
      failure = error;
    }
    if (this.#reader === reader) {
      this.#reader = null;
    }
    if (!this.#finished) {
      this.#dropped(failure);
    }
  }

  #onFrame(frame: SseFrame): void {
    if (this.#finished) {
      return;
    }
    const verdict = this.#sequence.accept(frame.event, frame.hasId ? frame.id : '', frame.data);
    if (verdict.kind === 'rejected') {
      this.#options.onRejected?.(frame, verdict.error);
      return;
    }
    if (verdict.kind === 'replay') {
      return;
    }
    // The backoff starts over only once a connection brought something new: a server that
    // accepts and drops at once is given up on after the delays, not retried for ever.
    this.#failedAttempts = 0;
    this.#options.onEvent?.(verdict.event);
    if (verdict.event.type === 'end') {
      this.#finish({ reason: 'end' }); // the last event: the server closes the stream next
    }
  }

  /** The connection ended before `end`: reconnect after the next delay, or give up. */
  #dropped(cause: unknown): void {
    this.#abort?.abort();
    const delay = this.#delays[this.#failedAttempts];
    if (delay === undefined) {
      this.#finish({
        reason: 'lost',
        error:
          cause instanceof Error
            ? cause
            : new ServerUnreachableError('the event stream dropped and could not reconnect'),
      });
      return;
    }
    this.#failedAttempts++;
    this.#setState('reconnecting');
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = null;
      void this.#reconnect();
    }, delay);
  }

  async #reconnect(): Promise<void> {
    if (this.#finished) {
      return;
    }
    let response: ResponseLike;
    try {
      response = await this.#request();
    } catch (error) {
      if (this.#finished) {
        return;
      }
      if (error instanceof HttpError && error.status < 500) {
        this.#finish({ reason: 'lost', error });
        return;
      }
      this.#dropped(error);
      return;
    }
    if (this.#finished) {
      this.#abort?.abort();
      return;
    }
    this.#reconnects++;
    this.#setState('open');
    void this.#read(response);
  }

  #finish(end: EventStreamEnd): void {
    if (this.#finished) {
      return;
    }
    this.#finished = end;
    if (this.#retryTimer !== null) {
      clearTimeout(this.#retryTimer);
      this.#retryTimer = null;
    }
    const reader = this.#reader;
    this.#reader = null;
    reader?.cancel().catch(() => undefined);
    this.#abort?.abort();
    this.#setState('closed');
    this.#resolveDone(end);
  }

  #setState(state: EventStreamState): void {
    if (this.#state !== state) {
      this.#state = state;
      this.#options.onState?.(state);
    }
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as { cause?: unknown }).cause;
    return cause instanceof Error ? `${error.message}: ${cause.message}` : error.message;
  }
  return String(error);
}
