import { inject, Injectable } from '@angular/core';
import { HttpError } from '@whisperstream/client';
import { WHISPERSTREAM_CLIENT } from './api-client';

/** The server needs an API key and names no token URL: this page cannot start a session. */
export class ApiKeyRequiredError extends Error {
  override readonly name = 'ApiKeyRequiredError';
}

/** The token URL refused the person (401/403: not signed in there, or not allowed). */
export class TokenRefusedError extends Error {
  override readonly name = 'TokenRefusedError';

  constructor(
    readonly tokenUrl: string,
    readonly status: number,
    options?: ErrorOptions,
  ) {
    super(`${tokenUrl} refused to give a session token (${status})`, options);
  }
}

/** The token URL could not be reached, failed, or answered outside `{token, expiresAt}`. */
export class TokenUnavailableError extends Error {
  override readonly name = 'TokenUnavailableError';

  constructor(
    readonly tokenUrl: string,
    options?: ErrorOptions,
  ) {
    super(`no session token from ${tokenUrl}`, options);
  }
}

/**
 * `POST /api/sessions` answered 401: the server wants a credential and `hadCredential` says
 * whether this page sent one (a client token it refused) or none (its config said none needed).
 */
export class SessionUnauthorizedError extends Error {
  override readonly name = 'SessionUnauthorizedError';

  constructor(
    readonly hadCredential: boolean,
    options?: ErrorOptions,
  ) {
    super('the server refused to create a session without a valid credential', options);
  }
}

/**
 * The page's credential for creating a session. Before each session it reads
 * `GET /api/web-config` (a 404, from a server older than that route, means none is needed); when
 * the server wants a key, it POSTs to the config's `tokenUrl` (the company's own backend) with
 * the person's cookies and uses the client token it answers (single use, short-lived: one per
 * session). With a key required and no `tokenUrl`, it says so (ApiKeyRequiredError).
 */
@Injectable({ providedIn: 'root' })
export class SessionCredentials {
  readonly #client = inject(WHISPERSTREAM_CLIENT);

  /** A Bearer credential for the next `POST /api/sessions`, or null when none is needed. */
  async forNewSession(): Promise<string | null> {
    const config = await this.#client.webConfig();
    if (!config.apiKeyRequired) {
      return null;
    }
    const tokenUrl = config.tokenUrl;
    if (!tokenUrl) {
      throw new ApiKeyRequiredError('this server needs an API key and names no token URL');
    }
    try {
      return (await this.#client.clientToken(tokenUrl)).token;
    } catch (error) {
      if (error instanceof HttpError && (error.status === 401 || error.status === 403)) {
        throw new TokenRefusedError(tokenUrl, error.status, { cause: error });
      }
      throw new TokenUnavailableError(tokenUrl, { cause: error });
    }
  }
}
