import type { IncomingMessage, ServerResponse } from 'node:http';
import { BASE_CSP, cspFor, securityHeaders } from './security-headers';

function headersFor(sut: ReturnType<typeof securityHeaders>, url: string): Record<string, string> {
  const headers: Record<string, string> = {};
  const res = {
    setHeader: (name: string, value: string) => (headers[name.toLowerCase()] = String(value)),
    removeHeader: (name: string) => delete headers[name.toLowerCase()],
  };
  let passed = false;
  sut({ url, headers: {} } as IncomingMessage, res as unknown as ServerResponse, () => {
    passed = true;
  });
  expect(passed).toBe(true);
  return headers;
}

describe(securityHeaders.name, () => {
  it('sets the headers the server always sent, and a CSP that allows only its own scripts', () => {
    const headers = headersFor(securityHeaders(), '/');
    expect(headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'x-frame-options': 'DENY',
    });
    const csp = headers['content-security-policy'];
    expect(csp).toContain("script-src 'self';");
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('upgrade-insecure-requests');
  });

  it('adds a path prefix’s own sources to its pages, and only to them', () => {
    const sut = securityHeaders({ '/api/docs': { 'script-src': ["'sha256-abc'"] } });
    expect(headersFor(sut, '/api/docs')['content-security-policy']).toContain(
      "script-src 'self' 'sha256-abc'",
    );
    expect(headersFor(sut, '/api/docs/swagger.js?x=1')['content-security-policy']).toContain(
      "'sha256-abc'",
    );
    expect(headersFor(sut, '/api/docsx')['content-security-policy']).not.toContain('sha256');
    expect(headersFor(sut, '/')['content-security-policy']).not.toContain('sha256');
  });
});

describe(cspFor.name, () => {
  it('adds sources without repeating them and leaves the base policy as it was', () => {
    const merged = cspFor({
      'style-src': ["'self'", 'https://cdn.example'],
      'worker-src': ['blob:'],
    });
    expect(merged['style-src']).toEqual(["'self'", "'unsafe-inline'", 'https://cdn.example']);
    expect(merged['worker-src']).toEqual(['blob:']);
    expect(BASE_CSP['style-src']).toEqual(["'self'", "'unsafe-inline'"]);
  });
});
