import { Writable } from 'node:stream';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
// nestjs-pino keeps the first root logger it is given for the process; each test has its own.
import { __resetOutOfContextForTests } from 'nestjs-pino/PinoLogger';
import {
  AppLogger,
  createRootLogger,
  redactUrl,
  requestIdFor,
  requestLogger,
  withFields,
} from './json-logger';

type Line = Record<string, unknown>;

/** A pino destination that keeps each JSON line it is given. */
function capture(level: 'debug' | 'info' | 'warn' | 'error' | 'silent' = 'info') {
  const lines: Line[] = [];
  let text = '';
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      text += chunk.toString();
      for (const line of chunk.toString().split('\n').filter(Boolean)) {
        lines.push(JSON.parse(line) as Line);
      }
      done();
    },
  });
  const root = createRootLogger(level, destination);
  __resetOutOfContextForTests();
  return { root, lines, text: () => text };
}

describe(AppLogger.name, () => {
  it('writes one JSON object per line with time, the level as a word, context and fields', () => {
    const { root, lines } = capture();
    const sut = new AppLogger(root);
    sut.log({ msg: 'session created', sessionId: 'abc' }, 'SessionService');
    expect(lines).toEqual([
      expect.objectContaining({
        level: 'info',
        context: 'SessionService',
        msg: 'session created',
        sessionId: 'abc',
      }),
    ]);
    expect(new Date(lines[0]['time'] as string).toISOString()).toBe(lines[0]['time']);
  });

  it('never writes tokens, keys or transcript text, at the top level or one object down', () => {
    const { root, text } = capture();
    const sut = new AppLogger(root);
    sut.log({
      msg: 'x',
      token: 'secret-token',
      text: 'hello world',
      authorization: 'Bearer s3cr3t',
      apiKey: 'sk-live-123',
      headers: { authorization: 'Bearer h3ad3r', cookie: 'c=1' },
    });
    expect(text()).not.toMatch(/secret-token|hello world|s3cr3t|sk-live-123|h3ad3r|c=1/);
    expect(text()).toContain('[redacted]');
  });

  it('drops lines below the configured level, and writes nothing when silent', () => {
    const warn = capture('warn');
    const sut = new AppLogger(warn.root);
    sut.log('info line');
    sut.debug('debug line');
    sut.warn('warn line');
    expect(warn.lines.map((l) => l['msg'])).toEqual(['warn line']);
    const silent = capture('silent');
    new AppLogger(silent.root).error('error line');
    expect(silent.text()).toBe('');
  });

  it("demotes Nest's start-up chatter to debug", () => {
    const { root, lines } = capture('info');
    new AppLogger(root).log('AppModule dependencies initialized', 'InstanceLoader');
    expect(lines).toEqual([]);
  });
});

describe(withFields.name, () => {
  it("adds a session's id to each line its logger writes", () => {
    const { root, lines } = capture();
    const nest = new AppLogger(root);
    const sut = withFields(
      {
        log: (m) => nest.log(m, 'Session'),
        warn: (m) => nest.warn(m, 'Session'),
        error: (m) => nest.error(m, 'Session'),
        debug: (m) => nest.debug(m, 'Session'),
      },
      { sessionId: 's-1' },
    );
    sut.log({ msg: 'session closing', reason: 'bye' });
    sut.warn('peer close failed');
    expect(lines).toEqual([
      expect.objectContaining({ msg: 'session closing', sessionId: 's-1', context: 'Session' }),
      expect.objectContaining({ msg: 'peer close failed', sessionId: 's-1', level: 'warn' }),
    ]);
  });
});

describe(redactUrl.name, () => {
  it.each([
    ['/api/sessions/x/events?token=abc.def', '/api/sessions/x/events?token=[redacted]'],
    ['/ws?sessionId=s1&token=abc', '/ws?sessionId=s1&token=[redacted]'],
    [
      '/x?TOKEN=a&format=srt&key=k&api_key=z',
      '/x?TOKEN=[redacted]&format=srt&key=[redacted]&api_key=[redacted]',
    ],
    ['/x?%74oken=abc', '/x?%74oken=[redacted]'],
    ['/x?token', '/x?token=[redacted]'],
    ['/api/sessions', '/api/sessions'],
    ['/x?format=txt', '/x?format=txt'],
  ])('%s logs as %s', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });
});

describe(requestIdFor.name, () => {
  it("keeps a client's sane id and makes one for a missing, repeated, long or odd one", () => {
    expect(requestIdFor('abc-123_x.y:z')).toBe('abc-123_x.y:z');
    const made = [undefined, ['a', 'b'], 'x'.repeat(129), 'a b', 'a\nb', '', '<script>'].map(
      (given) => requestIdFor(given),
    );
    for (const id of made) expect(id).toMatch(/^[0-9a-f-]{36}$/);
  });
});

describe(requestLogger.name, () => {
  let server: Server;
  let base: string;
  let captured: ReturnType<typeof capture>;

  beforeEach(async () => {
    captured = capture('debug');
    const middleware = requestLogger(captured.root);
    // The application's logger, as services use it (Nest's Logger calls end up here).
    const appLogger = new AppLogger(captured.root);
    server = createServer((req, res) =>
      middleware(req, res, () => {
        setImmediate(() => {
          appLogger.log({ msg: 'inside' }, 'SomeService');
          res.statusCode = 204;
          res.end();
        });
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterEach(() => new Promise((resolve) => server.close(resolve)));

  it('answers with the request id and puts it on every line of the request, tokens redacted', async () => {
    const res = await fetch(`${base}/api/sessions/s/events?token=t0k3n`, {
      headers: { 'x-request-id': 'req-42', authorization: 'Bearer b3ar3r' },
    });
    expect(res.headers.get('x-request-id')).toBe('req-42');
    await waitFor(() => captured.lines.length >= 2);
    expect(captured.lines).toEqual([
      expect.objectContaining({ msg: 'inside', requestId: 'req-42', context: 'SomeService' }),
      expect.objectContaining({
        msg: 'request completed',
        requestId: 'req-42',
        context: 'Http',
        req: { method: 'GET', url: '/api/sessions/s/events?token=[redacted]' },
        res: { statusCode: 204 },
      }),
    ]);
    expect(captured.text()).not.toMatch(/t0k3n|b3ar3r/);
  });

  it('makes an id when the client sends none, different for each request', async () => {
    const first = (await fetch(`${base}/healthz`)).headers.get('x-request-id');
    const second = (await fetch(`${base}/healthz`)).headers.get('x-request-id');
    expect(first).toMatch(/^[0-9a-f-]{36}$/);
    expect(second).not.toBe(first);
    await waitFor(() => captured.lines.length >= 4);
    expect(captured.lines.filter((l) => l['msg'] === 'request completed')).toEqual([
      expect.objectContaining({ level: 'debug', requestId: first }),
      expect.objectContaining({ level: 'debug', requestId: second }),
    ]);
  });
});

/** Waits for the logger's lines (they are written once the response has finished). */
async function waitFor(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((resolve) => setImmediate(resolve));
  }
}
