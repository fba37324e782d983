import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ApiErrorBody } from '@whisperstream/shared-types';
import { isOriginAllowed } from './origin';

/** The REST routes that answer cross-origin browsers (an allowed origin may create a session, or
 * use the OpenAI-compatible API: browser code written for OpenAI's WebRTC calls fetches /v1). */
export const CORS_PATH_PREFIXES = ['/api/', '/v1/'];

export const CORS_ALLOWED_METHODS = 'GET, POST, DELETE';
export const CORS_ALLOWED_HEADERS = 'authorization, content-type, last-event-id';
/** Response headers a cross-origin page may read. */
export const CORS_EXPOSED_HEADERS = 'x-request-id, retry-after, www-authenticate';
/** How long a browser may cache a preflight's answer. */
export const CORS_MAX_AGE_S = 600;

type Middleware = (req: IncomingMessage, res: ServerResponse, next: () => void) => void;

/**
 * CORS for the REST routes, for the origins the WebSocket and the event stream accept
 * (ALLOWED_ORIGINS, or by default the server's own: same scheme, host and port; see
 * isOriginAllowed). An allowed origin gets `Access-Control-Allow-Origin` (its own origin, never
 * `*` with credentials: none are used) and its preflight a 204 naming the methods, headers and
 * max-age. A refused origin gets no `Access-Control-Allow-Origin`: its preflight is answered
 * `403 forbidden_origin`, and its other requests go on without the header (the browser hides
 * the answer from the page; SSE and the WebSocket refuse such origins themselves).
 */
export function cors(allowed: readonly string[], prefixes = CORS_PATH_PREFIXES): Middleware {
  return (req, res, next) => {
    const origin = req.headers.origin;
    const path = (req.url ?? '/').split('?')[0];
    if (!origin || !prefixes.some((prefix) => path.startsWith(prefix))) {
      next();
      return;
    }
    res.setHeader('Vary', 'Origin');
    const preflight =
      req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
    if (!isOriginAllowed(req, allowed)) {
      if (!preflight) {
        next();
        return;
      }
      const body: ApiErrorBody = {
        error: {
          code: 'forbidden_origin',
          message: 'this origin is not allowed (see ALLOWED_ORIGINS)',
        },
      };
      res.statusCode = 403;
      res.setHeader('Content-Type', 'application/json; charset=utf-8');
      res.end(JSON.stringify(body));
      return;
    }
    res.setHeader('Access-Control-Allow-Origin', origin);
    if (!preflight) {
      res.setHeader('Access-Control-Expose-Headers', CORS_EXPOSED_HEADERS);
      next();
      return;
    }
    res.setHeader('Access-Control-Allow-Methods', CORS_ALLOWED_METHODS);
    res.setHeader('Access-Control-Allow-Headers', CORS_ALLOWED_HEADERS);
    res.setHeader('Access-Control-Max-Age', String(CORS_MAX_AGE_S));
    res.statusCode = 204;
    res.setHeader('Content-Length', '0');
    res.end();
  };
}
