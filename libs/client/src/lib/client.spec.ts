import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpError, ProtocolError, ServerUnreachableError } from './errors';
import { WhisperStreamClient } from './client';
import type { FetchLike, RequestInitLike } from './transport';

const GRANT = {
  sessionId: 's 1',
  token: 'tok/1',
  iceServers: [{ urls: 'stun:stun.example.org' }],
  expiresAt: '2026-12-02T20:00:00.000Z',
};

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

describe(WhisperStreamClient.name, () => {
  let server: http.Server;
  let baseUrl: string;
  let seen: Seen[];
  let answer: (req: Seen, res: http.ServerResponse) => void;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        const call = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
        seen.push(call);
        answer(call, res);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  beforeEach(() => {
    seen = [];
  });

  const json = (res: http.ServerResponse, status: number, body: unknown, headers = {}) =>
    res
      .writeHead(status, { 'content-type': 'application/json', ...headers })
      .end(JSON.stringify(body));

  it('creates a session with the credential of its auth function as Bearer, fetched per call', async () => {
    answer = (_req, res) => json(res, 201, GRANT);
    let calls = 0;
    const sut = new WhisperStreamClient({ baseUrl, auth: async () => `ct_${++calls}` });

    expect(await sut.createSession({ language: 'de' })).toEqual(GRANT);
    await sut.createSession();

    expect(seen.map((s) => [s.method, s.url, s.headers.authorization, s.body])).toEqual([
      ['POST', '/api/sessions', 'Bearer ct_1', '{"language":"de"}'],
      ['POST', '/api/sessions', 'Bearer ct_2', '{}'],
    ]);
  });

  it('sends no Authorization without auth, and the session token on the session routes', async () => {
    const sut = new WhisperStreamClient({ baseUrl });
    answer = (req, res) => {
      if (req.url.endsWith('/offer')) json(res, 200, { type: 'answer', sdp: 'v=0 answer' });
      else if (req.method === 'DELETE') res.writeHead(204).end();
      else if (req.url.includes('format=json')) json(res, 200, { sessionId: 's 1', lines: [] });
      else res.writeHead(200, { 'content-type': 'text/plain' }).end('hello\n');
    };
    answer = ((inner) => (req: Seen, res: http.ServerResponse) =>
      req.url === '/api/sessions' ? json(res, 201, GRANT) : inner(req, res))(answer);

    const grant = await sut.createSession();
    expect(await sut.sendOffer(grant, 'v=0 offer')).toEqual({ type: 'answer', sdp: 'v=0 answer' });
    expect(await sut.transcript(grant, 'txt')).toBe('hello\n');
    await sut.transcript(grant, 'json', 'query').catch(() => undefined);
    await sut.deleteSession(grant);

    expect(seen.map((s) => [s.method, s.url, s.headers.authorization])).toEqual([
      ['POST', '/api/sessions', undefined],
      ['POST', '/api/sessions/s%201/offer', 'Bearer tok/1'],
      ['GET', '/api/sessions/s%201/transcript?format=txt', 'Bearer tok/1'],
      ['GET', '/api/sessions/s%201/transcript?format=json&token=tok%2F1', undefined],
      ['DELETE', '/api/sessions/s%201', 'Bearer tok/1'],
    ]);
    expect(JSON.parse(seen[1].body)).toEqual({ type: 'offer', sdp: 'v=0 offer' });
  });

  it('turns a refusal into an HttpError with the contract code, message, status and Retry-After', async () => {
    answer = (_req, res) =>
      json(
        res,
        503,
        { error: { code: 'too_many_sessions', message: 'full' } },
        { 'retry-after': '30' },
      );
    const error = await new WhisperStreamClient({ baseUrl })
      .createSession()
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({
      status: 503,
      code: 'too_many_sessions',
      message: 'full',
      retryAfterSeconds: 30,
    });
  });

  it('keeps the status when the error body is not the contract’s', async () => {
    answer = (_req, res) =>
      res.writeHead(502, { 'content-type': 'text/html' }).end('<html>bad gateway');
    await expect(new WhisperStreamClient({ baseUrl }).createSession()).rejects.toMatchObject({
      name: 'HttpError',
      status: 502,
      code: 'http_502',
    });
  });

  it('refuses a 2xx body outside the contract as a ProtocolError', async () => {
    answer = (_req, res) => json(res, 201, { sessionId: 's1' });
    await expect(new WhisperStreamClient({ baseUrl }).createSession()).rejects.toBeInstanceOf(
      ProtocolError,
    );
  });

  it('says the server is unreachable when nothing listens, without the token in the message', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const sut = new WhisperStreamClient({ baseUrl: `http://127.0.0.1:${port}` });
    const error = await sut.transcript(GRANT, 'txt', 'query').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerUnreachableError);
    expect((error as Error).message).not.toContain('tok%2F1');
    expect((error as Error).message).toContain('token=***');
  });

  describe('webConfig', () => {
    it('reads whether a key is required and where the token comes from', async () => {
      answer = (_req, res) => json(res, 200, { apiKeyRequired: true, tokenUrl: '/auth/token' });
      expect(await new WhisperStreamClient({ baseUrl }).webConfig()).toEqual({
        apiKeyRequired: true,
        tokenUrl: '/auth/token',
      });
    });

    it('takes a 404 (a server older than the route) as no key required', async () => {
      answer = (_req, res) => json(res, 404, { error: { code: 'not_found', message: 'no' } });
      expect(await new WhisperStreamClient({ baseUrl }).webConfig()).toEqual({
        apiKeyRequired: false,
        tokenUrl: null,
      });
    });

    it('does not hide other failures', async () => {
      answer = (_req, res) => json(res, 500, { error: { code: 'internal', message: 'boom' } });
      await expect(new WhisperStreamClient({ baseUrl }).webConfig()).rejects.toMatchObject({
        status: 500,
      });
    });
  });

  it('posts to the token URL with the user’s cookies and parses the client token', async () => {
    const calls: Array<{ url: string; init?: RequestInitLike }> = [];
    const fakeFetch: FetchLike = async (url, init) => {
      calls.push({ url, init });
      return {
        ok: true,
        status: 200,
        statusText: 'OK',
        headers: { get: () => null },
        json: async () => ({ token: 'ct_1', expiresAt: '2026-12-02T20:00:00.000Z' }),
      };
    };
    const sut = new WhisperStreamClient({ fetch: fakeFetch });
    expect(await sut.clientToken('https://corp.example/token')).toEqual({
      token: 'ct_1',
      expiresAt: '2026-12-02T20:00:00.000Z',
    });
    expect(calls).toEqual([
      {
        url: 'https://corp.example/token',
        init: expect.objectContaining({ method: 'POST', credentials: 'include' }),
      },
    ]);
  });

  it('builds the socket URL from the page location when it has no base URL', () => {
    const sut = new WhisperStreamClient({
      location: () => ({ protocol: 'https:', host: 'talk.example.org' }),
    });
    expect(sut.signalingUrl(GRANT)).toBe('wss://talk.example.org/ws?sessionId=s%201&token=tok%2F1');
    expect(sut.eventsUrl(GRANT)).toBe('/api/sessions/s%201/events?token=tok%2F1');
    expect(new WhisperStreamClient({ baseUrl: 'http://h:3000/' }).signalingUrl(GRANT)).toBe(
      'ws://h:3000/ws?sessionId=s%201&token=tok%2F1',
    );
  });
});
