import { ApiErrorBodySchema } from '@whisperstream/shared-types';
import type * as z from 'zod';
import { HttpError, parseRetryAfter, ProtocolError, ServerUnreachableError } from './errors';
import type { FetchLike, RequestInitLike, ResponseLike } from './transport';

/** fetch() that turns a network failure and a non-2xx answer into the typed errors. */
export async function request(
  fetchFn: FetchLike,
  url: string,
  init: RequestInitLike,
  now: () => number = Date.now,
): Promise<ResponseLike> {
  let response: ResponseLike;
  try {
    response = await fetchFn(url, init);
  } catch (cause) {
    throw new ServerUnreachableError(`cannot reach ${redact(url)}`, { cause });
  }
  if (!response.ok) {
    throw await httpErrorFrom(response, now());
  }
  return response;
}

/** The HttpError of a 4xx/5xx answer: the contract's code and message when the body has them. */
export async function httpErrorFrom(response: ResponseLike, nowMs: number): Promise<HttpError> {
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

/** The JSON body of a 2xx answer, parsed with its contract schema. */
export async function parseBody<T>(
  schema: z.ZodType<T>,
  response: ResponseLike,
  what: string,
): Promise<T> {
  let json: unknown;
  try {
    json = await response.json();
  } catch (cause) {
    throw new ProtocolError(`${what}: the answer is not JSON`, { cause });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new ProtocolError(`${what}: the answer does not match the contract`, {
      cause: parsed.error,
    });
  }
  return parsed.data;
}

export function bearer(token: string | null | undefined): Record<string, string> {
  return token ? { Authorization: `Bearer ${token}` } : {};
}

/** A URL without its `token` parameter, for messages (the token is a secret). */
export function redact(url: string): string {
  return url.replace(/([?&]token=)[^&#]*/g, '$1***');
}
