import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';

type Directives = Record<string, string[]>;
type Middleware = (
  req: IncomingMessage,
  res: ServerResponse,
  next: (error?: unknown) => void,
) => void;

/**
 * The Content-Security-Policy of every response: the built Angular app loads its own scripts and
 * styles only; Angular adds its components' styles as `<style>` elements at run time, hence
 * `'unsafe-inline'` for styles (never for scripts). `connect-src 'self'` covers the page's
 * fetches, its EventSource and its same-origin WebSocket (`ws:`/`wss:`); WebRTC media is not
 * governed by CSP. No `upgrade-insecure-requests`: the server may be reached over plain HTTP on
 * a LAN or on localhost.
 */
export const BASE_CSP: Readonly<Directives> = {
  'default-src': ["'self'"],
  'base-uri': ["'self'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:'],
  'font-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'media-src': ["'self'", 'blob:'],
  'object-src': ["'none'"],
  'frame-ancestors': ["'none'"],
  'form-action': ["'self'"],
};

/**
 * Extra CSP sources for the pages under a path prefix, added to {@link BASE_CSP}'s: e.g.
 * `{ '/api/docs': { 'script-src': ["'unsafe-inline'"] } }` for a page that needs its own.
 */
export type CspExtensions = Record<string, Partial<Directives>>;

/** Merges a prefix's extra sources into the base policy (a directive's sources are added). */
export function cspFor(extra: Partial<Directives> = {}): Directives {
  const merged: Directives = {};
  for (const [directive, sources] of Object.entries(BASE_CSP)) merged[directive] = [...sources];
  for (const [directive, sources] of Object.entries(extra)) {
    merged[directive] = [...new Set([...(merged[directive] ?? []), ...(sources ?? [])])];
  }
  return merged;
}

/**
 * helmet's security headers on every response (`X-Content-Type-Options: nosniff`,
 * `Referrer-Policy: no-referrer`, `X-Frame-Options: DENY`, HSTS, COOP/CORP, ...) with the CSP of
 * the longest matching prefix in `extensions`, or the base one.
 */
export function securityHeaders(extensions: CspExtensions = {}): Middleware {
  const build = (directives: Directives) =>
    helmet({
      contentSecurityPolicy: { useDefaults: false, directives },
      frameguard: { action: 'deny' },
      referrerPolicy: { policy: 'no-referrer' },
    }) as Middleware;
  const base = build(cspFor());
  const byPrefix = Object.entries(extensions)
    .sort(([a], [b]) => b.length - a.length)
    .map(([prefix, extra]) => ({ prefix, middleware: build(cspFor(extra)) }));
  return (req, res, next) => {
    const path = (req.url ?? '/').split('?')[0];
    const match = byPrefix.find(
      ({ prefix }) =>
        path === prefix || path.startsWith(prefix.endsWith('/') ? prefix : `${prefix}/`),
    );
    (match?.middleware ?? base)(req, res, next);
  };
}
