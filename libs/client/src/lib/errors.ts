/** The server could not be reached at all (fetch rejected: server down, offline, DNS, refused). */
export class ServerUnreachableError extends Error {
  override readonly name = 'ServerUnreachableError';
}

/** The server answered with something outside the contract (a body its schema refuses). */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
}

/**
 * The server answered with a 4xx/5xx. `code` is the contract's stable snake_case code from
 * `{"error":{"code","message"}}`, or `http_<status>` when the body had another shape (a proxy's
 * HTML page); `message` is the server's message, or the status line.
 */
export class HttpError extends Error {
  override readonly name = 'HttpError';

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** Seconds until a retry may succeed, from `Retry-After`, or null. */
    readonly retryAfterSeconds: number | null,
  ) {
    super(message);
  }
}

/** A call was made after `close()`, or `close()` ran while it was in flight. */
export class ClientClosedError extends Error {
  override readonly name = 'ClientClosedError';
}

/** `Retry-After` is either delay-seconds or an HTTP date (RFC 9110, 10.2.3). */
export function parseRetryAfter(value: string | null, nowMs: number): number | null {
  if (value === null) {
    return null;
  }
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) {
    return Number(trimmed);
  }
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) {
    return null;
  }
  return Math.max(0, Math.ceil((date - nowMs) / 1000));
}
