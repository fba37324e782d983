/**
 * The few shapes of `fetch`, `Response`, `WebSocket` and a readable body stream the client uses,
 * written out so that the library type-checks (and runs) both in browsers and in Node 20, and
 * so that tests can hand in fakes. The browser's globals, undici's `fetch` and the `ws`
 * package's `WebSocket` all fit.
 */

export interface HeadersLike {
  get(name: string): string | null;
}

export interface ByteStreamReader {
  read(): Promise<{ done: boolean; value?: Uint8Array }>;
  cancel(reason?: unknown): Promise<void>;
  releaseLock?(): void;
}

export interface ResponseLike {
  readonly ok: boolean;
  readonly status: number;
  readonly statusText: string;
  readonly headers: HeadersLike;
  json(): Promise<unknown>;
  text?(): Promise<string>;
  readonly body?: { getReader(): ByteStreamReader } | null;
}

export interface RequestInitLike {
  method?: string;
  headers?: Record<string, string>;
  body?: string;
  signal?: AbortSignal;
  credentials?: 'include' | 'same-origin' | 'omit';
}

export type FetchLike = (url: string, init?: RequestInitLike) => Promise<ResponseLike>;

export interface MessageEventLike {
  readonly data: unknown;
}

export interface CloseEventLike {
  readonly code: number;
  readonly reason: string;
}

/**
 * A handler property whose parameter is checked bivariantly (method syntax), so that the DOM's
 * and the `ws` package's sockets, whose events carry more fields, fit.
 */
type Handler<E> = { bivarianceHack(event: E): void }['bivarianceHack'];

export interface WebSocketLike {
  readonly readyState: number;
  onopen: Handler<unknown> | null;
  onmessage: Handler<MessageEventLike> | null;
  onclose: Handler<CloseEventLike> | null;
  onerror: Handler<unknown> | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type WebSocketFactory = (url: string) => WebSocketLike;

/** `WebSocket.OPEN`, the same in browsers and in `ws`. */
export const WS_OPEN = 1;

/** The global `fetch`, or a clear error where there is none. */
export function defaultFetch(): FetchLike {
  const global = globalThis as { fetch?: unknown };
  if (typeof global.fetch !== 'function') {
    throw new TypeError('no global fetch: pass one as the `fetch` option');
  }
  const fetchFn = global.fetch as (url: string, init?: RequestInitLike) => Promise<ResponseLike>;
  return (url, init) => fetchFn(url, init);
}

/**
 * The global `WebSocket` (browsers; Node 22), or a clear error: in Node 20 pass the `ws`
 * package's, e.g. `webSocket: (url) => new WebSocket(url)`.
 */
export function defaultWebSocket(): WebSocketFactory {
  const global = globalThis as { WebSocket?: unknown };
  if (typeof global.WebSocket !== 'function') {
    throw new TypeError(
      'no global WebSocket (Node 20 has none): pass one as the `webSocket` option, e.g. from the ws package',
    );
  }
  const WebSocketCtor = global.WebSocket as new (url: string) => WebSocketLike;
  return (url) => new WebSocketCtor(url);
}
