import type { IncomingHttpHeaders } from 'node:http';

/**
 * Whether a browser request's Origin may use the API. Requests without an Origin (other
 * services, test clients) are allowed: the token is what authorises them. With no
 * ALLOWED_ORIGINS configured, only the server's own origin (same Host) is allowed.
 */
export function isOriginAllowed(headers: IncomingHttpHeaders, allowed: readonly string[]): boolean {
  const origin = headers.origin;
  if (!origin) return true;
  if (allowed.includes('*') || allowed.includes(origin)) return true;
  if (allowed.length > 0) return false;
  try {
    return new URL(origin).host === headers.host;
  } catch {
    return false;
  }
}
