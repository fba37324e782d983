import {
  ClientTokenResponseSchema,
  CreateSessionResponseSchema,
  SdpAnswerSchema,
  SdpOfferSchema,
  TranscriptJsonSchema,
  WebConfigSchema,
  type ClientTokenResponse,
  type CreateSessionRequest,
  type CreateSessionResponse,
  type SdpAnswer,
  type TranscriptFormat,
  type TranscriptJson,
  type WebConfig,
} from '@whisperstream/shared-types';
import { HttpError, ProtocolError } from './errors';
import { TranscriptEventStream, type EventStreamOptions } from './event-stream';
import { bearer, parseBody, request } from './http';
import { SignalingChannel, type SignalingChannelOptions } from './signaling-channel';
import {
  defaultFetch,
  defaultWebSocket,
  type FetchLike,
  type RequestInitLike,
  type WebSocketFactory,
} from './transport';

/** What the session routes need: the id and the session's own token (from `createSession`). */
export interface SessionCredentials {
  sessionId: string;
  token: string;
}

/**
 * The credential for `POST /api/sessions` on a server with `API_KEYS` set: an API key or a
 * client token, or a function that gets one when a session is about to be created (a client
 * token lives 60 s and creates one session, so it is fetched each time). Null: send none.
 */
export type AuthCredential = string | null | (() => string | null | Promise<string | null>);

export interface WhisperStreamClientOptions {
  /**
   * The server, e.g. `http://127.0.0.1:3000`. Empty (the default): the page's own origin, with
   * relative URLs for HTTP (browsers only).
   */
  baseUrl?: string;
  /** Default: the global `fetch`. */
  fetch?: FetchLike;
  /** Opens a WebSocket. Default: the global `WebSocket` (Node 20 has none: pass `ws`'s). */
  webSocket?: WebSocketFactory;
  /** Sent as `Authorization: Bearer` on `POST /api/sessions`. */
  auth?: AuthCredential;
  /**
   * Where `ws(s)://` goes when `baseUrl` is empty. Default: the global `location` (a page).
   */
  location?: () => { protocol: string; host: string };
  /** The clock for `Retry-After` dates. */
  now?: () => number;
}

export type TranscriptAuth = 'bearer' | 'query';

/**
 * A typed client of WhisperStream's public contract (docs/ARCHITECTURE.md): each answer is
 * parsed with the shared-types schema, and each refusal is an HttpError with the server's
 * status and `{error:{code,message}}`; a server that cannot be reached is a
 * ServerUnreachableError, an answer outside the contract a ProtocolError. Framework-free: the
 * web app, the werift test client and the load generator use it, in browsers and Node 20.
 */
export class WhisperStreamClient {
  readonly baseUrl: string;
  readonly #options: WhisperStreamClientOptions;

  constructor(options: WhisperStreamClientOptions = {}) {
    this.#options = options;
    this.baseUrl = (options.baseUrl ?? '').replace(/\/+$/, '');
  }

  /**
   * `POST /api/sessions`, with the `auth` credential (of the call, else of the client) as
   * `Authorization: Bearer`.
   */
  async createSession(
    body: CreateSessionRequest = {},
    options: { auth?: AuthCredential } = {},
  ): Promise<CreateSessionResponse> {
    const credential = await resolveCredential(
      options.auth !== undefined ? options.auth : this.#options.auth,
    );
    const response = await this.#request('/api/sessions', {
      method: 'POST',
      headers: { ...bearer(credential), 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });
    return parseBody(CreateSessionResponseSchema, response, 'POST /api/sessions');
  }

  /** `POST /api/sessions/{id}/offer` with the session's token; resolves with the answer. */
  async sendOffer(session: SessionCredentials, sdp: string): Promise<SdpAnswer> {
    const offer = SdpOfferSchema.parse({ type: 'offer', sdp });
    const response = await this.#request(`${sessionPath(session)}/offer`, {
      method: 'POST',
      headers: { ...bearer(session.token), 'Content-Type': 'application/json' },
      body: JSON.stringify(offer),
    });
    return parseBody(SdpAnswerSchema, response, 'POST /api/sessions/{id}/offer');
  }

  /** `GET /api/sessions/{id}/transcript?format=`: `json` parsed, the other formats as text. */
  transcript(
    session: SessionCredentials,
    format: 'json',
    auth?: TranscriptAuth,
  ): Promise<TranscriptJson>;
  transcript(
    session: SessionCredentials,
    format: Exclude<TranscriptFormat, 'json'>,
    auth?: TranscriptAuth,
  ): Promise<string>;
  async transcript(
    session: SessionCredentials,
    format: TranscriptFormat,
    auth: TranscriptAuth = 'bearer',
  ): Promise<TranscriptJson | string> {
    const query = `format=${format}${auth === 'query' ? `&token=${encodeURIComponent(session.token)}` : ''}`;
    const response = await this.#request(`${sessionPath(session)}/transcript?${query}`, {
      method: 'GET',
      headers: auth === 'bearer' ? bearer(session.token) : {},
    });
    if (format === 'json') {
      return parseBody(TranscriptJsonSchema, response, 'GET /api/sessions/{id}/transcript');
    }
    if (!response.text) {
      throw new ProtocolError('this fetch gives no text() for the transcript');
    }
    return response.text();
  }

  /**
   * `DELETE /api/sessions/{id}`: the server stops the media, transcribes what is buffered and
   * ends the stream with `end`. Rejects with HttpError 404 for a session it does not know.
   */
  async deleteSession(session: SessionCredentials): Promise<void> {
    await this.#request(sessionPath(session), {
      method: 'DELETE',
      headers: bearer(session.token),
    });
  }

  /**
   * `GET /api/web-config`: whether this server wants a credential and where a page gets one.
   * A server older than that route answers 404: no credential is needed there.
   */
  async webConfig(): Promise<WebConfig> {
    try {
      const response = await this.#request('/api/web-config', { method: 'GET' });
      return await parseBody(WebConfigSchema, response, 'GET /api/web-config');
    } catch (error) {
      if (error instanceof HttpError && error.status === 404) {
        return { apiKeyRequired: false, tokenUrl: null };
      }
      throw error;
    }
  }

  /**
   * A client token from `tokenUrl` (a company's own backend, or the server's
   * `POST /api/client-tokens` with a key), POSTed with the user's cookies.
   */
  async clientToken(
    tokenUrl: string,
    headers: Record<string, string> = {},
  ): Promise<ClientTokenResponse> {
    const response = await request(
      this.#fetch(),
      this.#resolve(tokenUrl),
      { method: 'POST', credentials: 'include', headers },
      this.#now,
    );
    return parseBody(ClientTokenResponseSchema, response, `POST ${tokenUrl}`);
  }

  /** The URL of a session's event stream, with its token in the query (EventSource sends no headers). */
  eventsUrl(session: SessionCredentials): string {
    return `${this.baseUrl}${sessionPath(session)}/events?token=${encodeURIComponent(session.token)}`;
  }

  /** `ws(s)://host/ws?sessionId=&token=`. */
  signalingUrl(session: SessionCredentials): string {
    const origin = this.baseUrl || this.#pageOrigin();
    const url = origin.replace(/^http(s?):/, 'ws$1:');
    return `${url}/ws?sessionId=${encodeURIComponent(session.sessionId)}&token=${encodeURIComponent(session.token)}`;
  }

  /** Opens the session's event stream (see TranscriptEventStream). */
  events(
    session: SessionCredentials,
    options: Omit<EventStreamOptions, 'url' | 'fetch'> = {},
  ): Promise<TranscriptEventStream> {
    return TranscriptEventStream.open({
      ...options,
      url: this.eventsUrl(session),
      fetch: this.#fetch(),
    });
  }

  /** The session's trickle-ICE channel, not yet open (see SignalingChannel). */
  signaling(
    session: SessionCredentials,
    options: Omit<SignalingChannelOptions, 'url' | 'webSocket'>,
  ): SignalingChannel {
    return new SignalingChannel({
      ...options,
      url: this.signalingUrl(session),
      webSocket: this.#options.webSocket ?? defaultWebSocket(),
    });
  }

  readonly #now = (): number => (this.#options.now ?? Date.now)();

  #fetch(): FetchLike {
    return this.#options.fetch ?? defaultFetch();
  }

  #resolve(url: string): string {
    return /^[a-z][a-z0-9+.-]*:/i.test(url) || !this.baseUrl ? url : `${this.baseUrl}${url}`;
  }

  #request(path: string, init: RequestInitLike) {
    return request(this.#fetch(), `${this.baseUrl}${path}`, init, this.#now);
  }

  #pageOrigin(): string {
    const location =
      this.#options.location?.() ??
      (globalThis as { location?: { protocol: string; host: string } }).location;
    if (!location) {
      throw new TypeError('no baseUrl and no page location: pass `baseUrl`');
    }
    return `${location.protocol}//${location.host}`;
  }
}

function sessionPath(session: SessionCredentials): string {
  return `/api/sessions/${encodeURIComponent(session.sessionId)}`;
}

async function resolveCredential(auth: AuthCredential | undefined): Promise<string | null> {
  if (auth === undefined || auth === null) {
    return null;
  }
  return typeof auth === 'function' ? auth() : auth;
}
