import { assertLoopbackUrl, isLoopbackHost, NonLoopbackTargetError } from './loopback';

describe(assertLoopbackUrl.name, () => {
  it.each([
    'http://127.0.0.1:3000',
    'http://127.0.0.1:3000/',
    'http://127.1.2.3:8080',
    'http://localhost:3000',
    'http://LOCALHOST.:3000',
    'http://[::1]:3000',
    'http://[0:0:0:0:0:0:0:1]:3000',
    'http://[::ffff:127.0.0.1]:3000',
    'https://127.0.0.1',
  ])('accepts the loopback target %s', (url) => {
    expect(() => assertLoopbackUrl(url)).not.toThrow();
  });

  it.each([
    'http://192.0.2.2:3000',
    'http://10.0.0.1:3000',
    'http://0.0.0.0:3000',
    'http://128.0.0.1:3000',
    'http://example.com',
    'http://localhost.example.com:3000',
    'http://127.0.0.1.nip.io:3000',
    'http://[::2]:3000',
    'http://[fd00::2]:3000',
    'http://[::ffff:10.0.0.1]:3000',
  ])('refuses the non-loopback target %s', (url) => {
    expect(() => assertLoopbackUrl(url)).toThrow(NonLoopbackTargetError);
  });

  it('judges the host the URL parser resolves, not the text', () => {
    // 2130706433 is 127.0.0.1 written as one number; 0x7f.1 is 127.0.0.1 too.
    expect(assertLoopbackUrl('http://2130706433:3000')).toBe('http://127.0.0.1:3000');
    expect(assertLoopbackUrl('http://0x7f.1:3000')).toBe('http://127.0.0.1:3000');
  });

  it('refuses non-http schemes, credentials and garbage', () => {
    expect(() => assertLoopbackUrl('ftp://127.0.0.1')).toThrow(/http/);
    expect(() => assertLoopbackUrl('http://user:pw@127.0.0.1')).toThrow(/credentials/);
    expect(() => assertLoopbackUrl('127.0.0.1:3000')).toThrow();
  });

  it('returns the base URL without a trailing slash', () => {
    expect(assertLoopbackUrl('http://127.0.0.1:3000/')).toBe('http://127.0.0.1:3000');
  });
});

describe(isLoopbackHost.name, () => {
  it('knows 127.0.0.0/8 and ::1 and nothing else', () => {
    expect(isLoopbackHost('127.255.255.254')).toBe(true);
    expect(isLoopbackHost('::1')).toBe(true);
    expect(isLoopbackHost('[::1]')).toBe(true);
    expect(isLoopbackHost('::')).toBe(false);
    expect(isLoopbackHost('1.127.0.0')).toBe(false);
    expect(isLoopbackHost('')).toBe(false);
  });
});
