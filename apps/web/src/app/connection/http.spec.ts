import { FakeBrowser, FakeResponse, json } from '../../testing/fake-browser';
import { HttpError, parseRetryAfter, request, ServerUnreachableError } from './http';

describe('request', () => {
  let browser: FakeBrowser;

  beforeEach(() => {
    browser = new FakeBrowser();
  });

  it('turns a 503 with Retry-After into an HttpError with the contract code and the delay', async () => {
    browser.http.route('POST /api/sessions', () =>
      json(
        503,
        { error: { code: 'session_limit', message: 'Too many live sessions' } },
        { 'Retry-After': '120' },
      ),
    );
    const error = await request(browser.apis, '/api/sessions', { method: 'POST' }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({
      status: 503,
      code: 'session_limit',
      message: 'Too many live sessions',
      retryAfterSeconds: 120,
    });
  });

  it('keeps the status when the error body is not JSON', async () => {
    browser.http.route('GET /x', () => new FakeResponse(500, '<html>oops</html>'));
    await expect(request(browser.apis, '/x', {})).rejects.toMatchObject({
      status: 500,
      code: 'http_500',
    });
  });

  it('wraps a failed fetch as ServerUnreachableError', async () => {
    await expect(request(browser.apis, '/nowhere', {})).rejects.toBeInstanceOf(
      ServerUnreachableError,
    );
  });
});

describe('parseRetryAfter', () => {
  const now = Date.UTC(2025, 0, 1, 12, 0, 0);

  it('reads delay-seconds', () => {
    expect(parseRetryAfter('30', now)).toBe(30);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
  });

  it('reads an HTTP date', () => {
    expect(parseRetryAfter('Wed, 01 Jan 2025 12:01:30 GMT', now)).toBe(90);
    expect(parseRetryAfter('Wed, 01 Jan 2025 11:00:00 GMT', now)).toBe(0);
  });

  it('ignores absent or unreadable values', () => {
    expect(parseRetryAfter(null, now)).toBeNull();
    expect(parseRetryAfter('soon', now)).toBeNull();
  });
});
