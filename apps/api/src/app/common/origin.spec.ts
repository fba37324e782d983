import { isOriginAllowed, type OriginRequest, requestScheme } from './origin';

const request = (
  headers: OriginRequest['headers'],
  socket: OriginRequest['socket'] = { remoteAddress: '10.0.0.5' },
): OriginRequest => ({ headers, socket });

describe(isOriginAllowed.name, () => {
  it('allows requests without an Origin header', () => {
    expect(isOriginAllowed(request({ host: 'a:3000' }), [])).toBe(true);
  });

  it('allows the same origin by default and refuses others', () => {
    expect(isOriginAllowed(request({ host: 'a:3000', origin: 'http://a:3000' }), [])).toBe(true);
    expect(isOriginAllowed(request({ host: 'a:3000', origin: 'http://evil.example' }), [])).toBe(
      false,
    );
    expect(isOriginAllowed(request({ host: 'a:3000', origin: 'null' }), [])).toBe(false);
  });

  it('compares the scheme and the port as well as the host', () => {
    const host = 'a:3000';
    expect(isOriginAllowed(request({ host, origin: 'https://a:3000' }), [])).toBe(false);
    expect(isOriginAllowed(request({ host, origin: 'http://a:3001' }), [])).toBe(false);
    expect(isOriginAllowed(request({ host, origin: 'http://a' }), [])).toBe(false);
    expect(isOriginAllowed(request({ host, origin: 'ws://a:3000' }), [])).toBe(false);
  });

  it('treats a default port and letter case as the same origin', () => {
    expect(isOriginAllowed(request({ host: 'A:80', origin: 'http://a' }), [])).toBe(true);
    const tls = { remoteAddress: '10.0.0.5', encrypted: true };
    expect(isOriginAllowed(request({ host: 'a', origin: 'https://a:443' }, tls), [])).toBe(true);
    expect(isOriginAllowed(request({ host: 'a', origin: 'http://a' }, tls), [])).toBe(false);
  });

  it('takes the scheme from X-Forwarded-Proto only from a proxy on this host', () => {
    const headers = { host: 'app.example', origin: 'https://app.example' };
    const proxied = { ...headers, 'x-forwarded-proto': 'https' };
    expect(isOriginAllowed(request(proxied, { remoteAddress: '127.0.0.1' }), [])).toBe(true);
    expect(isOriginAllowed(request(proxied, { remoteAddress: '203.0.113.9' }), [])).toBe(false);
    expect(isOriginAllowed(request(headers, { remoteAddress: '127.0.0.1' }), [])).toBe(false);
  });

  it('uses ALLOWED_ORIGINS when given', () => {
    const allowed = ['https://app.example'];
    expect(isOriginAllowed(request({ host: 'a', origin: 'https://app.example' }), allowed)).toBe(
      true,
    );
    expect(isOriginAllowed(request({ host: 'a', origin: 'http://app.example' }), allowed)).toBe(
      false,
    );
    expect(isOriginAllowed(request({ host: 'a', origin: 'http://a' }), allowed)).toBe(false);
  });
});

describe(requestScheme.name, () => {
  it('reads the first X-Forwarded-Proto of a loopback proxy, else the socket', () => {
    const loopback = { remoteAddress: '::ffff:127.0.0.1' };
    expect(requestScheme(request({ 'x-forwarded-proto': 'HTTPS, http' }, loopback))).toBe('https');
    expect(requestScheme(request({ 'x-forwarded-proto': 'gopher' }, loopback))).toBe('http');
    expect(requestScheme(request({}, { encrypted: true }))).toBe('https');
    expect(requestScheme(request({}))).toBe('http');
  });
});
