import type { IncomingMessage } from 'node:http';
import type { INestApplicationContext } from '@nestjs/common';
import { WsAdapter } from '@nestjs/platform-ws';
import { ApiError } from '../common/api-error';
import { isOriginAllowed } from '../common/origin';
import type { Session } from '../sessions/session';
import { SessionService } from '../sessions/sessions.service';

const SESSION_OF_REQUEST = new WeakMap<IncomingMessage, Session>();

/** The session that the upgrade request was authorised for. */
export function sessionOfUpgrade(request: IncomingMessage): Session | undefined {
  return SESSION_OF_REQUEST.get(request);
}

type VerifyCallback = (result: boolean, code?: number, message?: string) => void;

/**
 * The platform-ws adapter with the upgrade checked before it is accepted: a foreign Origin is
 * refused with 403, an unknown session with 404, a wrong token with 401. No socket is opened.
 */
export class AuthenticatedWsAdapter extends WsAdapter {
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
        if (!isOriginAllowed(info.req.headers, this.allowedOrigins)) {
          done(false, 403, 'Forbidden origin');
          return;
        }
        const url = new URL(info.req.url ?? '/', 'http://localhost');
        try {
          const session = sessions.authenticate(
            url.searchParams.get('sessionId') ?? '',
            url.searchParams.get('token') ?? undefined,
          );
          if (!session.isOpen) {
            done(false, 410, 'Session ended');
            return;
          }
          SESSION_OF_REQUEST.set(info.req, session);
          done(true);
        } catch (error) {
          const status = error instanceof ApiError ? error.status : 400;
          done(false, status, status === 404 ? 'Session not found' : 'Unauthorized');
        }
      },
    });
  }
}
