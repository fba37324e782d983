import type { IncomingMessage } from 'node:http';
import { Logger, type INestApplicationContext } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import type { ApiErrorBody } from '@whisperstream/shared-types';
import { ApiError } from '../common/api-error';
import { mapError } from '../common/http-exception.filter';
import { isOriginAllowed } from '../common/origin';
import { searchParam } from '../common/query';
import { Session } from '../sessions/session';
import { SessionService } from '../sessions/sessions.service';

const SESSION_OF_REQUEST = new WeakMap<IncomingMessage, Session>();

/** The session that the upgrade request was authorised for. */
export function sessionOfUpgrade(request: IncomingMessage): Session | undefined {
  return SESSION_OF_REQUEST.get(request);
}

type VerifyCallback = (
  result: boolean,
  code?: number,
  message?: string,
  headers?: Record<string, string>,
) => void;

/**
 * Refuses an upgrade with the API's error shape: the status, `{"error":{"code","message"}}` as
 * JSON and the error's own headers (`WWW-Authenticate` on a 401). The `ws` package writes the
 * response and closes the socket; it takes the body as the message and counts its length.
 */
export function refuseUpgrade(done: VerifyCallback, error: unknown): void {
  const { status, code, message, headers } = mapError(error);
  const body: ApiErrorBody = { error: { code, message } };
  done(false, status, JSON.stringify(body), {
    ...headers,
    'Content-Type': 'application/json; charset=utf-8',
  });
}

/**
 * The platform-ws adapter with the upgrade checked before it is accepted: a foreign Origin is
 * refused with 403, a parameter given twice with 400, an unknown session with 404, a wrong token
 * with 401, an ended session with 410, each with the JSON error body. No socket is opened.
 */
export class AuthenticatedWsAdapter extends WsAdapter {
  readonly #logger = new Logger(AuthenticatedWsAdapter.name);

  constructor(
    private readonly appContext: INestApplicationContext,
    private readonly allowedOrigins: readonly string[],
  ) {
    super(appContext);
  }

  override create(port: number, options: Record<string, unknown> = {}): unknown {
    const sessions = this.appContext.get(SessionService);
    return super.create(port, {
      ...options,
      verifyClient: (info: { req: IncomingMessage }, done: VerifyCallback) => {
        try {
          if (!isOriginAllowed(info.req, this.allowedOrigins)) {
            throw ApiError.forbiddenOrigin();
          }
          const url = requestUrl(info.req);
          const session = sessions.lookup(
            searchParam(url.searchParams, 'sessionId') ?? '',
            searchParam(url.searchParams, 'token'),
          );
          if (!(session instanceof Session) || !session.isOpen) {
            // 410, not the offer's 409: the web app tells a session that is gone this way.
            throw new ApiError(410, 'session_closed', 'the session has ended');
          }
          SESSION_OF_REQUEST.set(info.req, session);
          done(true);
        } catch (error) {
          if (!(error instanceof ApiError)) {
            this.#logger.error({ msg: 'upgrade check failed', error: String(error) });
          }
          refuseUpgrade(done, error);
        }
      },
    });
  }
}

function requestUrl(request: IncomingMessage): URL {
  try {
    return new URL(request.url ?? '/', 'http://localhost');
  } catch {
    throw ApiError.badRequest('bad_request', 'the request URL could not be read');
  }
}
