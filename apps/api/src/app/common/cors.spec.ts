import type { IncomingMessage, ServerResponse } from 'node:http';
import { cors, CORS_ALLOWED_HEADERS, CORS_MAX_AGE_S } from './cors';

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
  passedOn: boolean;
}

function run(
  sut: ReturnType<typeof cors>,
  method: string,
  url: string,
  headers: Record<string, string>,
): Answer {
  const answer: Answer = { status: 200, headers: {}, body: '', passedOn: false };
  const req = { method, url, headers, socket: { remoteAddress: '127.0.0.1' } };
  const res = {
    set statusCode(value: number) {
      answer.status = value;
    },
    setHeader: (name: string, value: string) => (answer.headers[name.toLowerCase()] = value),
    end: (body?: string) => (answer.body = body ?? ''),
  };
  sut(req as unknown as IncomingMessage, res as unknown as ServerResponse, () => {
    answer.passedOn = true;
  });
  return answer;
}

const preflight = (origin: string) => ({
  origin,
  host: 'api.example:3000',
  'access-control-request-method': 'POST',
  'access-control-request-headers': 'authorization, content-type',
});

describe(cors.name, () => {
  const sut = cors(['https://app.example']);

  it('answers an allowed origin’s preflight with its origin, the methods, headers and max-age', () => {
    const answer = run(sut, 'OPTIONS', '/api/sessions', preflight('https://app.example'));
    expect(answer.status).toBe(204);
    expect(answer.passedOn).toBe(false);
    expect(answer.headers).toMatchObject({
      'access-control-allow-origin': 'https://app.example',
      'access-control-allow-methods': 'GET, POST, DELETE',
      'access-control-allow-headers': CORS_ALLOWED_HEADERS,
      'access-control-max-age': String(CORS_MAX_AGE_S),
      vary: 'Origin',
    });
    expect(CORS_ALLOWED_HEADERS.split(', ')).toEqual(
      expect.arrayContaining(['authorization', 'content-type', 'last-event-id']),
    );
  });

  it('refuses another origin’s preflight with 403 forbidden_origin and no allow-origin', () => {
    for (const origin of [
      'https://evil.example',
      'http://app.example',
      'https://app.example:444',
    ]) {
      const answer = run(sut, 'OPTIONS', '/api/sessions', preflight(origin));
      expect(answer.status).toBe(403);
      expect(answer.headers['access-control-allow-origin']).toBeUndefined();
      expect(JSON.parse(answer.body)).toEqual({
        error: { code: 'forbidden_origin', message: expect.stringContaining('ALLOWED_ORIGINS') },
      });
    }
  });

  it('lets an allowed origin read the answer to its request, and a refused one not', () => {
    const allowed = run(sut, 'POST', '/api/sessions', { origin: 'https://app.example' });
    expect(allowed.passedOn).toBe(true);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://app.example');
    expect(allowed.headers['access-control-expose-headers']).toContain('x-request-id');
    const refused = run(sut, 'POST', '/api/sessions', { origin: 'https://evil.example' });
    expect(refused.passedOn).toBe(true);
    expect(refused.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('by default allows the server’s own origin only: same scheme, host and port', () => {
    const own = cors([]);
    const host = { host: 'localhost:3000' };
    const same = run(own, 'OPTIONS', '/api/sessions', {
      ...preflight('http://localhost:3000'),
      ...host,
    });
    expect(same.headers['access-control-allow-origin']).toBe('http://localhost:3000');
    for (const origin of [
      'https://localhost:3000',
      'http://localhost:3001',
      'http://127.0.0.1:3000',
    ]) {
      const other = run(own, 'OPTIONS', '/api/sessions', { ...preflight(origin), ...host });
      expect(other.status).toBe(403);
    }
  });

  it('answers for the OpenAI-compatible routes too (browser code calls /v1/realtime/calls)', () => {
    const answer = run(sut, 'OPTIONS', '/v1/realtime/calls', preflight('https://app.example'));
    expect(answer.status).toBe(204);
    expect(answer.headers['access-control-allow-origin']).toBe('https://app.example');
  });

  it('leaves requests without an Origin, and routes outside the REST API, alone', () => {
    const noOrigin = run(sut, 'OPTIONS', '/api/sessions', { host: 'x' });
    expect(noOrigin.passedOn).toBe(true);
    expect(noOrigin.headers).toEqual({});
    const notApi = run(sut, 'OPTIONS', '/metrics', preflight('https://app.example'));
    expect(notApi.passedOn).toBe(true);
    expect(notApi.headers).toEqual({});
  });
});
