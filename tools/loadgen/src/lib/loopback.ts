import { isIP } from 'node:net';

/** Thrown for a target that is not on this machine's loopback interface. */
export class NonLoopbackTargetError extends Error {
  constructor(readonly target: string) {
    super(
      `refusing to send load to ${target}: only loopback targets (127.0.0.0/8, ::1, localhost) are allowed`,
    );
    this.name = 'NonLoopbackTargetError';
  }
}

/**
 * Whether a host name or address (as in a URL's hostname, IPv6 with or without brackets)
 * is a loopback address: 127.0.0.0/8, ::1 (also as ::ffff:127.x.y.z) or `localhost`.
 * Any other name is refused, since resolving it could lead anywhere.
 */
export function isLoopbackHost(host: string): boolean {
  const bare = host
    .trim()
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '')
    .toLowerCase();
  if (bare === 'localhost') {
    return true;
  }
  const family = isIP(bare);
  if (family === 4) {
    return bare.split('.')[0] === '127';
  }
  if (family === 6) {
    const groups = expandIpv6(bare);
    if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
      return groups[6] >> 8 === 127; // IPv4-mapped ::ffff:127.x.y.z
    }
    return groups.slice(0, 7).every((g) => g === 0) && groups[7] === 1;
  }
  return false;
}

/**
 * Parses a base URL and checks that it is http(s) on a loopback host; returns it without a
 * trailing slash. Throws NonLoopbackTargetError otherwise (and a plain Error for a bad URL).
 */
export function assertLoopbackUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new Error(`not a URL: ${raw}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new Error(`the target must be an http:// or https:// URL, not ${url.protocol}`);
  }
  if (url.username || url.password) {
    throw new Error('the target URL must not carry credentials');
  }
  if (!isLoopbackHost(url.hostname)) {
    throw new NonLoopbackTargetError(url.host);
  }
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}

/** The eight 16-bit groups of an IPv6 address (a trailing dotted quad becomes two groups). */
function expandIpv6(address: string): number[] {
  let text = address;
  const quad = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (quad) {
    const [a, b, c, d] = quad.slice(1).map(Number);
    text = `${text.slice(0, quad.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const fill = tail === undefined ? 0 : 8 - left.length - right.length;
  return [...left, ...Array<string>(fill).fill('0'), ...right].map((g) => parseInt(g, 16));
}
