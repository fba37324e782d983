import {
  ApiErrorBodySchema,
  CreateSessionResponseSchema,
  ReadinessSchema,
  SdpAnswerSchema,
  TranscriptJsonSchema,
  type ApiErrorBody,
  type CreateSessionRequest,
  type CreateSessionResponse,
  type Readiness,
  type SdpAnswer,
  type TranscriptFormat,
  type TranscriptJson,
} from '@whisperstream/shared-types';
import type { ZodType } from 'zod';

export type ApiError = ApiErrorBody['error'];

/**
 * One HTTP answer. Never thrown for a 4xx/5xx: `ok` is false and `error` holds the contract's
 * `{error:{code,message}}` when the body has that shape (null when it does not; see `body`).
 * A 2xx whose body breaks the contract throws a ContractError instead.
 */
export type ApiResult<T> =
  | { ok: true; status: number; headers: Headers; data: T; body: unknown; text: string }
  | {
      ok: false;
      status: number;
      headers: Headers;
      error: ApiError | null;
      body: unknown;
      text: string;
    };

/** A 2xx answer whose body does not match the public contract. */
export class ContractError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly text: string,
  ) {
    super(message);
    this.name = 'ContractError';
  }
}

export interface RawRequest {
  headers?: Record<string, string>;
  /** JSON-serialised unless `rawBody` is given. */
  json?: unknown;
  /** Sent as is (for malformed or oversized bodies). */
  rawBody?: string | Buffer;
}

export type TranscriptResult = ApiResult<TranscriptJson> | ApiResult<string>;

/** The REST half of the public API, over the global fetch. */
export class ApiClient {
  readonly baseUrl: string;

  constructor(baseUrl: string) {
    this.baseUrl = baseUrl.replace(/\/+$/, '');
  }

  /** `POST /api/sessions`. The body is sent unvalidated so tests can send bad ones. */
  createSession(
    body?: CreateSessionRequest | Record<string, unknown>,
    headers?: Record<string, string>,
  ): Promise<ApiResult<CreateSessionResponse>> {
    return this.call('POST', '/api/sessions', { json: body, headers }, CreateSessionResponseSchema);
  }

  /** `POST /api/sessions/{id}/offer` with `Authorization: Bearer <token>` (omitted if token is null). */
  postOffer(
    sessionId: string,
    token: string | null,
    sdp: string,
    headers?: Record<string, string>,
  ): Promise<ApiResult<SdpAnswer>> {
    return this.call(
      'POST',
      `/api/sessions/${encodeURIComponent(sessionId)}/offer`,
      { json: { type: 'offer', sdp }, headers: { ...bearer(token), ...headers } },
      SdpAnswerSchema,
    );
  }

  /** `DELETE /api/sessions/{id}`: 204 on success (`data` is undefined). */
  deleteSession(sessionId: string, token: string | null): Promise<ApiResult<undefined>> {
    return this.call('DELETE', `/api/sessions/${encodeURIComponent(sessionId)}`, {
      headers: bearer(token),
    });
  }

  /**
   * `GET /api/sessions/{id}/transcript?format=`. `json` is parsed with the contract's schema;
   * the other formats come back as text. `auth: 'query'` sends `?token=` instead of Bearer.
   */
  getTranscript(
    sessionId: string,
    token: string | null,
    format: 'json',
    auth?: 'bearer' | 'query',
  ): Promise<ApiResult<TranscriptJson>>;
  getTranscript(
    sessionId: string,
    token: string | null,
    format: Exclude<TranscriptFormat, 'json'>,
    auth?: 'bearer' | 'query',
  ): Promise<ApiResult<string>>;
  getTranscript(
    sessionId: string,
    token: string | null,
    format: TranscriptFormat,
    auth: 'bearer' | 'query' = 'bearer',
  ): Promise<TranscriptResult> {
    const query = new URLSearchParams({ format });
    if (auth === 'query' && token !== null) {
      query.set('token', token);
    }
    const path = `/api/sessions/${encodeURIComponent(sessionId)}/transcript?${query}`;
    const headers = auth === 'bearer' ? bearer(token) : {};
    if (format === 'json') {
      return this.call('GET', path, { headers }, TranscriptJsonSchema);
    }
    return this.call<string>('GET', path, { headers }, null);
  }

  /** `GET /readyz`: parsed as Readiness whatever the status (503 when not ready). */
  async readyz(): Promise<{ status: number; data: Readiness | null; text: string }> {
    const res = await fetch(`${this.baseUrl}/readyz`);
    const text = await res.text();
    const parsed = ReadinessSchema.safeParse(safeJson(text));
    return { status: res.status, data: parsed.success ? parsed.data : null, text };
  }

  /** Any request, answered raw (status, headers, parsed JSON if any, text). */
  async request(
    method: string,
    path: string,
    req: RawRequest = {},
  ): Promise<{ status: number; headers: Headers; body: unknown; text: string }> {
    const headers: Record<string, string> = { ...req.headers };
    let body: string | Buffer | undefined;
    if (req.rawBody !== undefined) {
      body = req.rawBody;
    } else if (req.json !== undefined) {
      body = JSON.stringify(req.json);
      headers['content-type'] ??= 'application/json';
    }
    const res = await fetch(`${this.baseUrl}${path}`, { method, headers, body });
    const text = await res.text();
    return { status: res.status, headers: res.headers, body: safeJson(text), text };
  }

  private async call<T>(
    method: string,
    path: string,
    req: RawRequest,
    schema?: ZodType<T> | null,
  ): Promise<ApiResult<T>> {
    const { status, headers, body, text } = await this.request(method, path, req);
    if (status < 200 || status > 299) {
      const parsed = ApiErrorBodySchema.safeParse(body);
      return {
        ok: false,
        status,
        headers,
        error: parsed.success ? parsed.data.error : null,
        body,
        text,
      };
    }
    if (schema === undefined) {
      return { ok: true, status, headers, data: undefined as T, body, text };
    }
    if (schema === null) {
      return { ok: true, status, headers, data: text as T, body, text };
    }
    const parsed = schema.safeParse(body);
    if (!parsed.success) {
      throw new ContractError(
        `${method} ${path} answered ${status} with a body outside the contract: ${parsed.error.message}\n${text.slice(0, 500)}`,
        status,
        text,
      );
    }
    return { ok: true, status, headers, data: parsed.data, body, text };
  }
}

/** The contract's `{error:{code,message}}` from a response text, or null if it has another shape. */
export function parseApiErrorText(text: string): ApiError | null {
  const parsed = ApiErrorBodySchema.safeParse(safeJson(text));
  return parsed.success ? parsed.data.error : null;
}

function bearer(token: string | null): Record<string, string> {
  return token === null ? {} : { authorization: `Bearer ${token}` };
}

function safeJson(text: string): unknown {
  if (text.length === 0) {
    return null;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}
