import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApiClient, ContractError } from './api-client';

describe('ApiClient', () => {
  let server: http.Server;
  let api: ApiClient;
  const seen: Array<{ method?: string; url?: string; auth?: string; body: string }> = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        seen.push({ method: req.method, url: req.url, auth: req.headers.authorization, body });
        const json = (status: number, value: unknown) => {
          res.writeHead(status, { 'content-type': 'application/json' });
          res.end(JSON.stringify(value));
        };
        const url = req.url ?? '';
        if (url === '/api/sessions' && body.includes('"xx"')) {
          json(400, { error: { code: 'invalid_body', message: 'language must be ISO-639-1' } });
        } else if (url === '/api/sessions' && body.includes('broken')) {
          json(201, { sessionId: 's' }); // breaks the contract
        } else if (url === '/api/sessions') {
          json(201, {
            sessionId: 's1',
            token: 't1',
            iceServers: [],
            expiresAt: '2030-01-01T00:00:00Z',
          });
        } else if (url === '/api/sessions/s1/offer') {
          if (req.headers.authorization !== 'Bearer t1') {
            json(401, { error: { code: 'unauthorized', message: 'bad token' } });
          } else {
            json(200, { type: 'answer', sdp: 'v=0 answer' });
          }
        } else if (url === '/api/sessions/s1' && req.method === 'DELETE') {
          res.writeHead(204).end();
        } else if (url.startsWith('/api/sessions/s1/transcript?format=txt')) {
          res.writeHead(200, { 'content-type': 'text/plain' }).end('go forward\n');
        } else if (url.startsWith('/api/sessions/s1/transcript?format=json')) {
          json(200, {
            sessionId: 's1',
            state: 'closed',
            language: 'en',
            engine: { id: 'fake', model: 'm' },
            lines: [],
          });
        } else if (url === '/readyz') {
          json(503, { status: 'not-ready', engine: null, reason: 'no engine' });
        } else {
          res.writeHead(500, { 'content-type': 'text/plain' }).end('Error: boom\n    at stack');
        }
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    api = new ApiClient(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('parses successful answers with the contract schemas', async () => {
    const created = await api.createSession({ language: 'en' });
    expect(created).toMatchObject({
      ok: true,
      status: 201,
      data: { sessionId: 's1', token: 't1' },
    });
    expect(seen[seen.length - 1].body).toBe('{"language":"en"}');

    const answer = await api.postOffer('s1', 't1', 'v=0 offer');
    expect(answer).toMatchObject({
      ok: true,
      status: 200,
      data: { type: 'answer', sdp: 'v=0 answer' },
    });
    expect(seen[seen.length - 1]).toMatchObject({
      auth: 'Bearer t1',
      body: '{"type":"offer","sdp":"v=0 offer"}',
    });

    expect(await api.deleteSession('s1', 't1')).toMatchObject({ ok: true, status: 204 });
    expect(await api.getTranscript('s1', 't1', 'txt')).toMatchObject({
      ok: true,
      data: 'go forward\n',
    });
    const json = await api.getTranscript('s1', 't1', 'json', 'query');
    expect(json).toMatchObject({ ok: true, data: { state: 'closed', lines: [] } });
    expect(seen[seen.length - 1]).toMatchObject({
      url: '/api/sessions/s1/transcript?format=json&token=t1',
      auth: undefined,
    });
  });

  it('returns error statuses and {error} bodies instead of throwing', async () => {
    expect(await api.createSession({ language: 'xx' })).toMatchObject({
      ok: false,
      status: 400,
      error: { code: 'invalid_body' },
    });
    expect(await api.postOffer('s1', 'wrong', 'v=0')).toMatchObject({
      ok: false,
      status: 401,
      error: { code: 'unauthorized', message: 'bad token' },
    });
    const noAuth = await api.postOffer('s1', null, 'v=0');
    expect(noAuth.status).toBe(401);
    expect(seen[seen.length - 1].auth).toBeUndefined();
    // A body outside the error contract: error is null, the raw text is kept.
    const odd = await api.request('GET', '/elsewhere');
    expect(odd).toMatchObject({ status: 500, text: 'Error: boom\n    at stack' });
    const oddDelete = await api.deleteSession('zz', 't');
    expect(oddDelete).toMatchObject({ ok: false, status: 500, error: null });
    expect(await api.readyz()).toMatchObject({ status: 503, data: { status: 'not-ready' } });
  });

  it('throws a ContractError for a 2xx body that breaks the contract', async () => {
    await expect(api.createSession({ broken: true })).rejects.toThrow(ContractError);
  });

  it('sends raw bodies untouched', async () => {
    const res = await api.request('POST', '/api/sessions', {
      rawBody: '{not json',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(201);
    expect(seen[seen.length - 1].body).toBe('{not json');
  });
});
