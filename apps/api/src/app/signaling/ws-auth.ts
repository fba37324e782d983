import type { IncomingMessage } from 'node:http';
import { Logger, type INestApplicationContext } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import type { ApiErrorBody } from '@whisperstream/shared-types';
import { ApiError } from '../common/api-error';
import { mapError } from '../common/http-exception.filter';
import { isOriginAllowed } from '../common/origin';
import { searchParam } from '../common/query';
import { ClusterForwarder } from '../cluster/forwarder';
import { ClosedSession } from '../sessions/closed-session';
import { RemoteSession } from '../sessions/remote-session';
import { Session } from '../sessions/session';
import { SessionService } from '../sessions/sessions.service';

const SESSION_OF_REQUEST = new WeakMap<IncomingMessage, Session>();
const HOME_OF_REQUEST = new WeakMap<IncomingMessage, RemoteSession>();

/** The session that the upgrade request was authorised for. */
export function sessionOfUpgrade(request: IncomingMessage): Session | undefined {
  return SESSION_OF_REQUEST.get(request);
}

/** Cluster mode: the session, held by another node, whose socket is forwarded there. */
export function remoteSessionOfUpgrade(request: IncomingMessage): RemoteSession | undefined {
  return HOME_OF_REQUEST.get(request);
}

/** What the adapter's error binding uses of a `ws` server or socket. */
interface WsServerLike {
  on(event: string, listener: (...args: never[]) => void): unknown;
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
        this.#verify(info.req, sessions).then(
          () => done(true),
          (error: unknown) => {
            if (!(error instanceof ApiError)) {
              this.#logger.error({ msg: 'upgrade check failed', error: String(error) });
            }
            refuseUpgrade(done, error);
          },
        );
      },
    });
  }

  /**
   * A client's bad frame (too large: 1009; not UTF-8: 1007) closes its socket and is the
   * client's fault: logged at debug, not as a server error with a stack (any client with a token
   * could fill the error log). Errors of the server itself stay errors.
   */
  override bindErrorHandler(server: WsServerLike): WsServerLike {
    server.on('connection', (socket: WsServerLike) =>
      socket.on('error', (error: Error) =>
        this.#logger.debug({ msg: 'client socket error', error: error.message }),
      ),
    );
    server.on('error', (error: Error) =>
      this.#logger.error({ msg: 'WebSocket server error', error: String(error) }),
    );
    return server;
  }

  async #verify(request: IncomingMessage, sessions: SessionService): Promise<void> {
    if (!isOriginAllowed(request, this.allowedOrigins)) {
      throw ApiError.forbiddenOrigin();
    }
    const url = requestUrl(request);
    const session = await sessions.lookupAnywhere(
      searchParam(url.searchParams, 'sessionId') ?? '',
      searchParam(url.searchParams, 'token'),
    );
    if (!session.isOpen || session instanceof ClosedSession) {
      // 410, not the offer's 409: the web app tells a session that is gone this way.
      throw new ApiError(410, 'session_closed', 'the session has ended');
    }
    if (session instanceof RemoteSession) {
      if (ClusterForwarder.wasForwarded(request)) {
        throw new ApiError(503, 'node_unreachable', 'the session is not held by this node');
      }
      HOME_OF_REQUEST.set(request, session);
    } else {
      SESSION_OF_REQUEST.set(request, session);
    }
  }
}

function requestUrl(request: IncomingMessage): URL {
  try {
    return new URL(request.url ?? '/', 'http://localhost');
  } catch {
    throw ApiError.badRequest('bad_request', 'the request URL could not be read');
  }
}
