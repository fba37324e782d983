import * as http from 'node:http';
import * as https from 'node:https';
import { SseParser, type SseFrame } from '@whisperstream/client';
import { parseTranscriptEvent, type TranscriptEvent } from '@whisperstream/shared-types';
import { parseApiErrorText } from './api-client';

// The spec-complete parser is the client library's (libs/client), shared with the load generator.
export { SseParser, type SseFrame, type SseParserHandlers } from '@whisperstream/client';

export interface SseConnectOptions {
  /** Sent as the `Last-Event-ID` header. */
  lastEventId?: string | number;
  /** Sent as the `Origin` header. */
  origin?: string;
  headers?: Record<string, string>;
  /** Give up waiting for the response headers after this long (default 10 s). */
  connectTimeoutMs?: number;
  /**
   * When true (default), a frame that breaks the contract (unknown type, bad id, bad data, an
   * id that is not the previous one + 1) makes every pending and later `waitFor` reject.
   * Violations are always recorded in `violations`.
   */
  strict?: boolean;
}

export interface SseViolation {
  frame: SseFrame;
  error: string;
}

type Predicate = (event: TranscriptEvent, all: readonly TranscriptEvent[]) => boolean;

interface Waiter {
  predicate: Predicate;
  resolve(event: TranscriptEvent): void;
  reject(err: Error): void;
  timer: NodeJS.Timeout;
  description: string;
}

/**
 * A client for `GET /api/sessions/{id}/events?token=` over node:http. `connect` resolves once
 * the response headers are in: check `ok`; when the server refuses, `status`, `body` and
 * `error` hold its answer and the client is already closed.
 */
export class SseClient {
  readonly events: TranscriptEvent[] = [];
  readonly comments: string[] = [];
  readonly violations: SseViolation[] = [];
  status = 0;
  headers: http.IncomingHttpHeaders = {};
  /** The refusal body, when `ok` is false. */
  body = '';
  /** The contract's `{error:{code,message}}` from a refusal, when it has that shape. */
  error: { code: string; message: string } | null = null;
  /** True once the server (or `close()`) ended the stream. */
  ended = false;
  /** A transport error, if the stream broke. */
  transportError: Error | null = null;

  private readonly parser: SseParser;
  private readonly waiters = new Set<Waiter>();
  private request: http.ClientRequest | null = null;
  private closed = false;
  /** The id the next event must carry (null: unknown, e.g. a non-numeric Last-Event-ID). */
  private expectedId: number | null = 1;
  private readonly endedListeners: Array<() => void> = [];

  private constructor(
    readonly url: string,
    private readonly strict: boolean,
  ) {
    this.parser = new SseParser({
      onFrame: (frame) => this.onFrame(frame),
      onComment: (text) => this.comments.push(text),
    });
  }

  /** The events URL of a session. */
  static eventsUrl(baseUrl: string, sessionId: string, token: string | null): string {
    const url = new URL(
      `${baseUrl.replace(/\/+$/, '')}/api/sessions/${encodeURIComponent(sessionId)}/events`,
    );
    if (token !== null) {
      url.searchParams.set('token', token);
    }
    return url.toString();
  }

  /** Connects to a session's event stream. Rejects only on network errors or a timeout. */
  static connect(
    baseUrl: string,
    sessionId: string,
    token: string | null,
    options: SseConnectOptions = {},
  ): Promise<SseClient> {
    return SseClient.connectUrl(SseClient.eventsUrl(baseUrl, sessionId, token), options);
  }

  /** Connects to any event-stream URL. */
  static connectUrl(url: string, options: SseConnectOptions = {}): Promise<SseClient> {
    const client = new SseClient(url, options.strict ?? true);
    return client.open(options).then(() => client);
  }

  get ok(): boolean {
    return this.status === 200;
  }

  /** Number of `:` comment lines received (keep-alives). */
  get commentCount(): number {
    return this.comments.length;
  }

  /** The id to resume from (`Last-Event-ID`), '' before any id was seen. */
  get lastEventId(): string {
    return this.parser.lastId;
  }

  /**
   * Resolves with the first received event (past or future) that matches. Rejects on timeout,
   * when the stream ends first, or (strict mode) on a contract violation, with a message that
   * lists the events received so far.
   */
  waitFor(
    predicate: Predicate,
    timeoutMs = 10_000,
    description = 'a matching event',
  ): Promise<TranscriptEvent> {
    const found = this.events.find((e) => predicate(e, this.events));
    if (found) {
      return Promise.resolve(found);
    }
    const failure = this.failure();
    if (failure) {
      return Promise.reject(
        new Error(`waiting for ${description}: ${failure}\n${this.describe()}`),
      );
    }
    return new Promise<TranscriptEvent>((resolve, reject) => {
      const waiter: Waiter = {
        predicate,
        description,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.delete(waiter);
          reject(
            new Error(
              `timed out after ${timeoutMs} ms waiting for ${description}\n${this.describe()}`,
            ),
          );
        }, timeoutMs),
      };
      this.waiters.add(waiter);
    });
  }

  /** Waits for an event of the given type (optionally also matching `predicate`). */
  waitForType<K extends TranscriptEvent['type']>(
    type: K,
    timeoutMs = 10_000,
    predicate: (event: Extract<TranscriptEvent, { type: K }>) => boolean = () => true,
  ): Promise<Extract<TranscriptEvent, { type: K }>> {
    return this.waitFor(
      (e) => e.type === type && predicate(e as Extract<TranscriptEvent, { type: K }>),
      timeoutMs,
      `a "${type}" event`,
    ) as Promise<Extract<TranscriptEvent, { type: K }>>;
  }

  /** Resolves when the stream has ended (server closed it, or `close()`). */
  waitForClose(timeoutMs = 10_000): Promise<void> {
    if (this.ended) {
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new Error(`event stream still open after ${timeoutMs} ms\n${this.describe()}`)),
        timeoutMs,
      );
      this.endedListeners.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /** A readable list of what was received, for failure messages. */
  describe(): string {
    const lines = this.events.map((e) => `  #${e.id} ${e.type} ${JSON.stringify(e.data)}`);
    const violations = this.violations.map(
      (v) => `  VIOLATION ${v.error}: event=${v.frame.event} id=${v.frame.id} data=${v.frame.data}`,
    );
    return [
      `events received (${this.events.length}, ${this.comments.length} comments, status ${this.status}${this.ended ? ', ended' : ''}):`,
      ...(lines.length ? lines : ['  (none)']),
      ...violations,
    ].join('\n');
  }

  /** Closes the stream; idempotent. Pending waiters reject. */
  close(): void {
    if (this.closed) {
      return;
    }
    this.closed = true;
    this.request?.destroy();
    this.markEnded();
  }

  private open(options: SseConnectOptions): Promise<void> {
    const url = new URL(this.url);
    const headers: Record<string, string> = {
      accept: 'text/event-stream',
      'cache-control': 'no-cache',
      ...options.headers,
    };
    if (options.lastEventId !== undefined) {
      headers['last-event-id'] = String(options.lastEventId);
      const resumeAfter = Number(options.lastEventId);
      this.expectedId = Number.isInteger(resumeAfter) && resumeAfter >= 0 ? resumeAfter + 1 : null;
    }
    if (options.origin !== undefined) {
      headers.origin = options.origin;
    }
    const transport = url.protocol === 'https:' ? https : http;
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const timer = setTimeout(() => {
        if (!settled) {
          settled = true;
          req.destroy();
          reject(
            new Error(
              `no response from ${redact(url)} within ${options.connectTimeoutMs ?? 10_000} ms`,
            ),
          );
        }
      }, options.connectTimeoutMs ?? 10_000);
      const req = transport.get(url, { headers }, (res) => {
        clearTimeout(timer);
        this.status = res.statusCode ?? 0;
        this.headers = res.headers;
        const isStream = String(res.headers['content-type'] ?? '').startsWith('text/event-stream');
        if (this.status !== 200 || !isStream) {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            this.body = Buffer.concat(chunks).toString('utf8');
            this.error = parseApiErrorText(this.body);
            this.closed = true;
            this.markEnded();
            settled = true;
            resolve();
          });
          res.on('error', (err) => {
            this.transportError = err;
            this.markEnded();
            settled = true;
            resolve();
          });
          return;
        }
        settled = true;
        resolve();
        res.on('data', (chunk: Buffer) => this.parser.push(chunk));
        res.on('end', () => this.markEnded());
        res.on('close', () => this.markEnded());
        res.on('error', (err) => {
          if (!this.closed) {
            this.transportError = err;
          }
          this.markEnded();
        });
      });
      this.request = req;
      req.on('error', (err) => {
        clearTimeout(timer);
        if (!settled) {
          settled = true;
          reject(new Error(`cannot connect to ${redact(url)}: ${err.message}`));
          return;
        }
        if (!this.closed) {
          this.transportError = err;
        }
        this.markEnded();
      });
    });
  }

  private onFrame(frame: SseFrame): void {
    let event: TranscriptEvent;
    try {
      event = parseTranscriptEvent(frame.event, frame.hasId ? frame.id : '', frame.data);
    } catch (err) {
      this.violate(frame, (err as Error).message.replace(/\s+/g, ' '));
      return;
    }
    // Ids rise by one per session from 1; a resumed stream continues after Last-Event-ID.
    if (this.expectedId !== null && event.id !== this.expectedId) {
      this.violate(
        frame,
        `event id ${event.id} where ${this.expectedId} was due (gap or duplicate)`,
      );
    }
    this.expectedId = event.id + 1;
    this.events.push(event);
    for (const waiter of [...this.waiters]) {
      if (waiter.predicate(event, this.events)) {
        clearTimeout(waiter.timer);
        this.waiters.delete(waiter);
        waiter.resolve(event);
      }
    }
  }

  private violate(frame: SseFrame, error: string): void {
    this.violations.push({ frame, error });
    if (this.strict) {
      this.rejectAll(`contract violation: ${error}`);
    }
  }

  private failure(): string | null {
    if (this.strict && this.violations.length > 0) {
      return `contract violation: ${this.violations[0].error}`;
    }
    if (this.ended) {
      return this.transportError
        ? `the stream broke: ${this.transportError.message}`
        : 'the stream ended first';
    }
    return null;
  }

  private markEnded(): void {
    if (this.ended) {
      return;
    }
    this.ended = true;
    this.rejectAll(
      this.transportError
        ? `the stream broke: ${this.transportError.message}`
        : 'the stream ended first',
    );
    for (const listener of this.endedListeners.splice(0)) {
      listener();
    }
  }

  private rejectAll(reason: string): void {
    for (const waiter of [...this.waiters]) {
      clearTimeout(waiter.timer);
      this.waiters.delete(waiter);
      waiter.reject(new Error(`waiting for ${waiter.description}: ${reason}\n${this.describe()}`));
    }
  }
}

/** The URL without its token, for messages (the token is a secret). */
function redact(url: URL): string {
  const copy = new URL(url);
  if (copy.searchParams.has('token')) {
    copy.searchParams.set('token', '***');
  }
  return copy.toString();
}
