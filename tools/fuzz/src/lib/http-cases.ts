import type { Rng } from './rng';
import { hostileText, randomJson, TEXT_KINDS } from './values';

/**
 * One HTTP request. `{id}`, `{token}` and `{host}` in the path, headers, body or raw text are
 * replaced at run time with the live session's id and token and the server's `host:port`.
 */
export interface HttpCase {
  kind: string;
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
  /** Sent as these exact bytes over TCP instead (for what fetch would refuse or repair). */
  raw?: string;
  /** A contract rule this case checks besides "no 5xx, no hang". */
  expect?: { status: number; code?: string; rule: string };
  /** The route may answer with an event stream: only the status and headers are read. */
  sse?: boolean;
  /** With the right token this may end the live session (DELETE): the runner makes a new one. */
  mayEndSession?: boolean;
  /** A created session to delete afterwards (POST /api/sessions answered 201). */
  createsSession?: boolean;
}

const BAD_ENCODINGS = [
  '%',
  '%z',
  '%zz',
  '%C0%AF',
  '%ED%A0%80',
  '%00',
  '%FF%FE',
  '%%',
  '%2',
  '+',
  '%u0041',
];

function encodeValue(rng: Rng): string {
  const roll = rng.int(0, 9);
  if (roll < 3) return '{token}';
  if (roll < 5) return rng.pick(BAD_ENCODINGS);
  if (roll < 6) return 'A'.repeat(rng.pick([1000, 8000]));
  const text = hostileText(rng, rng.pick(TEXT_KINDS), 4000);
  try {
    return encodeURIComponent(text);
  } catch {
    return '%ED%A0%80'; // a lone surrogate, as it would be encoded
  }
}

/** A raw query string (without `?`) built to break a parser: repeats, brackets, bad encodings. */
export function hostileQuery(rng: Rng, names: readonly string[]): string {
  const parts: string[] = [];
  const count = rng.int(1, 5);
  for (let i = 0; i < count; i++) {
    const name = rng.pick(names);
    switch (rng.int(0, 11)) {
      case 0:
        parts.push(`${name}=${encodeValue(rng)}&${name}=${encodeValue(rng)}`);
        break;
      case 1:
        parts.push(`${name}[]=${encodeValue(rng)}`);
        break;
      case 2:
        parts.push(`${name}[a]=${encodeValue(rng)}`, `${name}[__proto__][polluted]=1`);
        break;
      case 3:
        parts.push(`${name}${'[a]'.repeat(rng.pick([3, 10, 50]))}=x`);
        break;
      case 4:
        parts.push(rng.pick(['=x', '&&', name, `${name}=`, '==', `${name}==x`, '%3D=%26']));
        break;
      case 5:
        parts.push(`${name}=${encodeValue(rng)};${name}=${encodeValue(rng)}`);
        break;
      case 6:
        parts.push(
          Array.from({ length: rng.pick([100, 1001, 3000]) }, (_, k) => `p${k}=1`).join('&'),
        );
        break;
      case 7:
        parts.push(`${encodeValue(rng)}=${encodeValue(rng)}`);
        break;
      default:
        parts.push(`${name}=${encodeValue(rng)}`);
    }
  }
  return parts.join('&');
}

function idVariant(rng: Rng): string {
  return rng.weighted([
    [6, '{id}'],
    [1, '{id}x'],
    [1, rng.pick(['%00', '%', '%zz', '..', '%2e%2e%2f', '%2F', '%ED%A0%80', '%C0%AF'])],
    [1, 'A'.repeat(rng.pick([100, 5000]))],
    [1, rng.pick(['{id}%2F..', '{id}/', '{id}%20', encodeURIComponent('日本'), '{id};x'])],
  ]);
}

function authVariant(rng: Rng): Record<string, string> {
  const value = rng.pick([
    'Bearer {token}',
    'Bearer {token}',
    'bearer {token}',
    'Bearer  {token}',
    'Bearer {token}x',
    'Bearer',
    'Bearer ',
    'Basic e3Rva2VufTp4',
    'Bearer {token}, Bearer {token}',
    `Bearer ${'A'.repeat(8000)}`,
    'Bearer \u00e9t\u00e9',
    '',
  ]);
  return value === '' ? {} : { authorization: value };
}

function originVariant(rng: Rng): Record<string, string> {
  return rng.weighted<Record<string, string>>([
    [6, {}],
    [2, { origin: 'http://{host}' }],
    [
      1,
      {
        origin: rng.pick([
          'null',
          'https://{host}',
          'http://evil.example',
          'http://127.0.0.1:1',
          '',
          'http://{host}/x',
          'file://',
          `http://${'a'.repeat(3000)}`,
        ]),
      },
    ],
  ]);
}

function jsonBody(rng: Rng): { body: string; headers: Record<string, string> } {
  const roll = rng.int(0, 11);
  const json = { 'content-type': 'application/json' };
  if (roll === 0) return { body: '', headers: json };
  if (roll === 1)
    return {
      body: rng.pick(['{', 'null', '[]', '"x"', '1', '{"language":', '\ufeff{}', '{"a":1,}']),
      headers: json,
    };
  if (roll === 2)
    return {
      body: JSON.stringify({
        language: 'en',
        pad: 'x'.repeat(rng.pick([30_000, 40_000, 100_000])),
      }),
      headers: json,
    };
  if (roll === 3)
    return {
      body: rng.pick(['language=en', 'x', '{"language":"en"}']),
      headers: {
        'content-type': rng.pick([
          'text/plain',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=x',
          'application/json; charset=utf-16',
          'application/json; charset=latin1',
          'application/json; charset=x',
          '',
          'application/json, application/json',
        ]),
      },
    };
  if (roll === 4)
    return {
      body: '{"language":"en"}',
      headers: {
        ...json,
        'content-encoding': rng.pick(['gzip', 'deflate', 'br', 'x', 'identity']),
      },
    };
  if (roll === 5)
    return {
      body: JSON.stringify({ language: hostileText(rng, rng.pick(TEXT_KINDS), 20_000) }),
      headers: json,
    };
  if (roll === 6)
    return {
      body: JSON.stringify({ language: rng.pick([null, 1, [], {}, true, 'EN', 'en ', 'eng']) }),
      headers: json,
    };
  if (roll === 7)
    return {
      body: '{"__proto__":{"language":"en"},"constructor":{"prototype":{"x":1}}}',
      headers: json,
    };
  return { body: JSON.stringify(randomJson(rng, 4)) ?? 'null', headers: json };
}

function offerBody(rng: Rng): { body: string; headers: Record<string, string> } {
  const json = { 'content-type': 'application/json' };
  const sdp = rng.pick([
    '',
    'x',
    'v=0',
    'v=0\r\nm=audio',
    hostileText(rng, rng.pick(TEXT_KINDS), 40_000),
  ]);
  const value = rng.pick<unknown>([
    { type: 'offer' },
    { type: 'offer', sdp: rng.pick([1, null, [], {}, true]) },
    { type: rng.pick(['answer', 'pranswer', 'rollback', 'OFFER', '', null]), sdp },
    { type: 'offer', sdp, extra: 1 },
    [{ type: 'offer', sdp }],
    { sdp },
    { type: 'offer', sdp: 'x'.repeat(40_000) },
    randomJson(rng, 3),
  ]);
  if (rng.bool(0.1)) return jsonBody(rng);
  return { body: JSON.stringify(value) ?? 'null', headers: json };
}

/** One HTTP case on one of the server's routes. */
export function httpCase(rng: Rng): HttpCase {
  const route = rng.weighted<string>([
    [16, 'events'],
    [16, 'transcript'],
    [14, 'create'],
    [10, 'offer'],
    [8, 'delete'],
    [8, 'metrics'],
    [5, 'health'],
    [6, 'method'],
    [5, 'raw'],
    [6, 'rule'],
  ]);
  const query = (names: string[]) => (rng.bool(0.9) ? `?${hostileQuery(rng, names)}` : '');
  switch (route) {
    case 'events':
      return {
        kind: 'events',
        method: 'GET',
        path: `/api/sessions/${idVariant(rng)}/events${query(['token', 'format', 'lastEventId'])}`,
        headers: {
          ...originVariant(rng),
          ...(rng.bool(0.3)
            ? {
                'last-event-id': rng.pick([
                  '-1',
                  '0',
                  '1e309',
                  'abc',
                  '9'.repeat(400),
                  '1, 2',
                  '\u00e9',
                  '',
                ]),
              }
            : {}),
        },
        sse: true,
      };
    case 'transcript':
      return {
        kind: 'transcript',
        method: 'GET',
        path: `/api/sessions/${idVariant(rng)}/transcript${query(['token', 'format'])}`,
        headers: rng.bool(0.4) ? authVariant(rng) : {},
      };
    case 'create': {
      const { body, headers } = jsonBody(rng);
      return {
        kind: 'create',
        method: 'POST',
        path: `/api/sessions${rng.bool(0.3) ? query(['language', 'token']) : ''}`,
        headers: { ...headers, ...originVariant(rng) },
        body,
        createsSession: true,
      };
    }
    case 'offer': {
      const { body, headers } = offerBody(rng);
      return {
        kind: 'offer',
        method: 'POST',
        path: `/api/sessions/${idVariant(rng)}/offer${rng.bool(0.2) ? query(['token']) : ''}`,
        headers: { ...headers, ...authVariant(rng) },
        body,
      };
    }
    case 'delete':
      return {
        kind: 'delete',
        method: 'DELETE',
        path: `/api/sessions/${idVariant(rng)}${rng.bool(0.3) ? query(['token']) : ''}`,
        headers: authVariant(rng),
        mayEndSession: true,
      };
    case 'metrics':
      return {
        kind: 'metrics',
        method: rng.pick(['GET', 'GET', 'GET', 'POST', 'HEAD']),
        path: `${rng.pick(['/metrics', '/metrics.json'])}${query(['token', 'format'])}`,
        headers: rng.bool(0.5)
          ? {
              authorization: rng.pick([
                'Bearer {token}',
                `Bearer ${'m'.repeat(32)}`,
                'Bearer',
                `Bearer ${'x'.repeat(10_000)}`,
              ]),
            }
          : { 'x-forwarded-for': rng.pick(['10.0.0.1', '127.0.0.1', '::1, 10.0.0.1', 'garbage']) },
      };
    case 'health':
      return {
        kind: 'health',
        method: 'GET',
        path: `${rng.pick(['/healthz', '/readyz', '/ping', '/', '/api', '/api/sessions', '/ws', '/%2e%2e/%2e%2e/etc/passwd', `/${'a'.repeat(4000)}`])}${query(['token', 'x'])}`,
        headers: {},
      };
    case 'method': {
      const path = rng.pick([
        '/api/sessions',
        '/api/sessions/{id}',
        '/api/sessions/{id}/offer',
        '/api/sessions/{id}/events?token={token}',
        '/api/sessions/{id}/transcript?token={token}',
        '/metrics',
        '/healthz',
      ]);
      return {
        kind: 'method',
        method: rng.pick(['PUT', 'PATCH', 'OPTIONS', 'HEAD', 'DELETE', 'POST', 'GET']),
        path,
        headers: { ...authVariant(rng), 'content-type': 'application/json' },
        body: undefined,
        sse: path.includes('/events'),
        mayEndSession: true,
      };
    }
    case 'raw':
      return rawCase(rng);
    default:
      return ruleCase(rng);
  }
}

/** Requests whose answer the contract fixes (issue 11: defects 1 and 7 among them). */
function ruleCase(rng: Rng): HttpCase {
  const base = '/api/sessions/{id}';
  return rng.pick<HttpCase>([
    {
      kind: 'rule:repeated-token-events',
      method: 'GET',
      path: `${base}/events?token={token}&token={token}`,
      headers: {},
      sse: true,
      expect: {
        status: 400,
        code: 'invalid_query',
        rule: 'a repeated query parameter is 400 invalid_query (issue 11, 1)',
      },
    },
    {
      kind: 'rule:repeated-token-transcript',
      method: 'GET',
      path: `${base}/transcript?token={token}&token={token}`,
      headers: {},
      expect: {
        status: 400,
        code: 'invalid_query',
        rule: 'a repeated query parameter is 400 invalid_query (issue 11, 1)',
      },
    },
    {
      kind: 'rule:repeated-format',
      method: 'GET',
      path: `${base}/transcript?format=txt&format=json&token={token}`,
      headers: {},
      expect: {
        status: 400,
        code: 'invalid_query',
        rule: 'a repeated query parameter is 400 invalid_query (issue 11, 1)',
      },
    },
    {
      kind: 'rule:https-origin',
      method: 'GET',
      path: `${base}/events?token={token}`,
      headers: { origin: 'https://{host}' },
      sse: true,
      expect: {
        status: 403,
        code: 'forbidden_origin',
        rule: 'an https Origin is foreign to an http server (issue 11, 7)',
      },
    },
    {
      kind: 'rule:other-port-origin',
      method: 'GET',
      path: `${base}/events?token={token}`,
      headers: { origin: 'http://127.0.0.1:1' },
      sse: true,
      expect: {
        status: 403,
        code: 'forbidden_origin',
        rule: 'another port is a foreign Origin (issue 11, 7)',
      },
    },
    {
      kind: 'rule:wrong-token',
      method: 'GET',
      path: `${base}/transcript?token={token}x`,
      headers: {},
      expect: { status: 401, code: 'unauthorized', rule: 'a wrong token is 401' },
    },
    {
      kind: 'rule:bad-format',
      method: 'GET',
      path: `${base}/transcript?format=docx&token={token}`,
      headers: {},
      expect: {
        status: 400,
        code: 'invalid_format',
        rule: 'an unknown format is 400 invalid_format',
      },
    },
    {
      kind: 'rule:unknown-session',
      method: 'GET',
      path: '/api/sessions/AAAAAAAAAAAAAAAAAAAAAAAA/transcript?token={token}',
      headers: {},
      expect: { status: 404, code: 'session_not_found', rule: 'an unknown session is 404' },
    },
    {
      kind: 'rule:body-too-large',
      method: 'POST',
      path: '/api/sessions',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ pad: 'x'.repeat(64 * 1024) }),
      expect: { status: 413, rule: 'a body over the limit is 413' },
    },
  ]);
}

/** Requests written byte by byte: what a browser or fetch would never send. */
function rawCase(rng: Rng): HttpCase {
  const target = rng.pick([
    '/api/sessions/{id}/transcript?token={token}',
    '/api/sessions/{id}/events?token={token}',
    '/healthz',
    '/api/sessions',
  ]);
  const raw = rng.pick([
    `GET ${target} HTTP/1.1\r\nHost: {host}\r\nLast-Event-ID: ${'9'.repeat(5000)}\r\nConnection: close\r\n\r\n`,
    `GET ${target}&x=a b HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n`,
    `GET ${target}\u0001 HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n`,
    `GET ${target} HTTP/1.1\r\nHost: {host}\r\nX-Long: ${'h'.repeat(20_000)}\r\nConnection: close\r\n\r\n`,
    `POST /api/sessions HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nContent-Length: 2\r\nContent-Length: 20\r\nConnection: close\r\n\r\n{}`,
    `POST /api/sessions HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n{}\r\n0\r\n\r\n`,
    `GET ${target} HTTP/1.1\r\nHost: {host}\r\nX-Folded: a\r\n b\r\nConnection: close\r\n\r\n`,
    `get ${target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n`,
    `GET ${target} HTTP/9.9\r\nHost: {host}\r\nConnection: close\r\n\r\n`,
    `GET ${target}\r\n\r\n`,
    `GET ${target} HTTP/1.1\nHost: {host}\nConnection: close\n\n`,
    `GET ${target} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\nAuthorization: Bearer x\r\nConnection: close\r\n\r\n`,
  ]);
  return {
    kind: 'raw',
    method: 'RAW',
    path: target,
    headers: {},
    raw,
    sse: target.includes('/events'),
  };
}
