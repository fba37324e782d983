import type { IncomingHttpHeaders } from 'node:http';
import { isLoopback } from './loopback';

/** What the origin check reads of a request (an `IncomingMessage`, an Express `Request`). */
export interface OriginRequest {
  headers: IncomingHttpHeaders;
  socket: { remoteAddress?: string; encrypted?: boolean };
}

/**
 * The scheme the client used: `https` on a TLS socket; behind a reverse proxy on this host (the
 * proxies Express trusts too: `trust proxy` is `loopback`), the first `X-Forwarded-Proto`.
 */
export function requestScheme(request: OriginRequest): 'http' | 'https' {
  const forwarded = request.headers['x-forwarded-proto'];
  if (forwarded && isLoopback(request.socket.remoteAddress)) {
    const first = (Array.isArray(forwarded) ? forwarded[0] : forwarded)
      .split(',')[0]
      .trim()
      .toLowerCase();
    if (first === 'http' || first === 'https') return first;
  }
  return request.socket.encrypted ? 'https' : 'http';
}

/**
 * Whether a browser request's Origin may use the API. Requests without an Origin (other
 * services, test clients) are allowed: the token is what authorises them. With no
 * ALLOWED_ORIGINS configured, only the server's own origin is allowed: the same scheme, host
 * and port (`https://host:3000` is not the origin of `http://host:3000`).
 */
export function isOriginAllowed(request: OriginRequest, allowed: readonly string[]): boolean {
  const origin = request.headers.origin;
  if (!origin) return true;
  if (allowed.includes('*') || allowed.includes(origin)) return true;
  if (allowed.length > 0) return false;
  const host = request.headers.host;
  if (!host) return false;
  try {
    // URL's origin lower-cases the host and drops a default port on both sides.
    return new URL(origin).origin === new URL(`${requestScheme(request)}://${host}`).origin;
  } catch {
    return false;
  }
}
