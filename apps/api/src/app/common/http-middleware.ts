import type { INestApplication } from '@nestjs/common';
import type { Logger as Pino } from 'pino';
import type { Env } from '../config/config.schema';
import { cors } from './cors';
import { requestLogger } from './json-logger';
import { securityHeaders, type CspExtensions } from './security-headers';

/**
 * The middleware every request meets first, in order: its id and logger (so that even a request
 * refused before any route has both), helmet's security headers, then CORS for the REST routes.
 * `csp` adds sources to the Content-Security-Policy of the pages under a path prefix.
 */
export function applyHttpMiddleware(
  app: INestApplication,
  config: Pick<Env, 'ALLOWED_ORIGINS'>,
  root: Pino,
  csp: CspExtensions = {},
): void {
  app.use(requestLogger(root));
  app.use(securityHeaders(csp));
  app.use(cors(config.ALLOWED_ORIGINS));
}
