import { ApiErrorBodySchema } from '@whisperstream/shared-types';
import { BrowserApis } from '../shared/browser-apis';

/** The server could not be reached at all (fetch rejected: server down, offline, DNS). */
export class ServerUnreachableError extends Error {
  override readonly name = 'ServerUnreachableError';
}

/** The server answered with something outside the contract. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
}

/** The server answered with a 4xx/5xx; `code` is the contract's stable snake_case code. */
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

/** fetch() that turns a network failure and a non-2xx answer into the errors above. */
export async function request(
  apis: BrowserApis,
  url: string,
  init: RequestInit,
): Promise<Response> {
  let response: Response;
  try {
    response = await apis.fetch(url, init);
  } catch (cause) {
    throw new ServerUnreachableError(`cannot reach ${url}`, { cause });
  }
  if (!response.ok) {
    throw await httpErrorFrom(response, apis.now());
  }
  return response;
}

async function httpErrorFrom(response: Response, nowMs: number): Promise<HttpError> {
  let code = `http_${response.status}`;
  let message = response.statusText || `HTTP ${response.status}`;
  try {
    const body = ApiErrorBodySchema.safeParse(await response.json());
    if (body.success) {
      code = body.data.error.code;
      message = body.data.error.message;
    }
  } catch {
    // not JSON (a proxy's HTML error page): keep the status line
  }
  return new HttpError(
    response.status,
    code,
    message,
    parseRetryAfter(response.headers.get('Retry-After'), nowMs),
  );
}

export function bearer(token: string): Record<string, string> {
  return { Authorization: `Bearer ${token}` };
}
