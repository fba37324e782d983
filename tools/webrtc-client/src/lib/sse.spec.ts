import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SseClient, SseParser, type SseFrame } from './sse';

function parse(chunks: Array<string | Buffer>): {
  frames: SseFrame[];
  comments: string[];
  retry: number[];
} {
  const frames: SseFrame[] = [];
  const comments: string[] = [];
  const retry: number[] = [];
  const parser = new SseParser({
    onFrame: (f) => frames.push(f),
    onComment: (c) => comments.push(c),
    onRetry: (ms) => retry.push(ms),
  });
  for (const chunk of chunks) {
    parser.push(chunk);
  }
  return { frames, comments, retry };
}

describe('SseParser', () => {
  it('parses event, id and data fields', () => {
    const { frames } = parse(['event: final\nid: 3\ndata: {"a":1}\n\n']);
    expect(frames).toEqual([{ event: 'final', id: '3', data: '{"a":1}', hasId: true }]);
  });

  it('gives the same frames however the input is split', () => {
    const text =
      ': keep-alive\r\nevent: partial\r\nid: 1\r\ndata: {"x":\r\ndata: 2}\r\n\r\nevent:end\rid:2\rdata:{}\r\r';
    const whole = parse([text]);
    expect(whole.frames).toEqual([
      { event: 'partial', id: '1', data: '{"x":\n2}', hasId: true },
      { event: 'end', id: '2', data: '{}', hasId: true },
    ]);
    expect(whole.comments).toEqual(['keep-alive']);
    for (let size = 1; size <= 7; size++) {
      const chunks: string[] = [];
      for (let i = 0; i < text.length; i += size) {
        chunks.push(text.slice(i, i + size));
      }
      expect(parse(chunks)).toEqual(whole);
    }
  });

  it('does not see an empty line in a CRLF split across chunks', () => {
    const { frames } = parse(['data: a\r', '\ndata: b\r', '\n\r', '\n']);
    expect(frames).toEqual([{ event: 'message', id: '', data: 'a\nb', hasId: false }]);
  });

  it('decodes UTF-8 split inside a character, and drops a leading BOM', () => {
    const bytes = Buffer.from('\ufeffdata: "héllo 🎤"\n\n', 'utf8');
    const chunks = Array.from(bytes, (b) => Buffer.from([b]));
    expect(parse(chunks).frames[0].data).toBe('"héllo 🎤"');
  });

  it('follows the spec on comments, fields without colon, unknown fields, retry and ids', () => {
    const { frames, comments, retry } = parse([
      ':\n',
      ':comment without space\n',
      'data\n', // field with no colon: empty data line
      'foo: bar\n', // ignored
      'retry: 1500\nretry: soon\n',
      '\n',
      'event: only-type\n\n', // no data: nothing dispatched
      'id: 7\n\n', // no data, but the id sticks
      'data:  two spaces\n\n',
      'id: bad\0id\ndata: x\n\n', // NUL in id: ignored
    ]);
    expect(comments).toEqual(['', 'comment without space']);
    expect(retry).toEqual([1500]);
    expect(frames).toEqual([
      { event: 'message', id: '', data: '', hasId: false },
      { event: 'message', id: '7', data: ' two spaces', hasId: false },
      { event: 'message', id: '7', data: 'x', hasId: false },
    ]);
  });

  it('discards an event the stream cut off before its blank line', () => {
    expect(parse(['event: final\ndata: {}\n']).frames).toEqual([]);
  });
});

describe('SseClient', () => {
  let server: http.Server;
  let baseUrl: string;
  let lastHeaders: http.IncomingHttpHeaders = {};
  let lastUrl = '';
  const open: http.ServerResponse[] = [];

  const session = (id: number) =>
    `event: session\nid: ${id}\ndata: {"state":"live","engine":{"id":"fake","model":"m"}}\n\n`;
  const final = (id: number, text: string) =>
    `event: final\nid: ${id}\ndata: ${JSON.stringify({ segmentId: id, text, startMs: 0, endMs: 1000, latencyMs: 50, engine: 'fake' })}\n\n`;

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      lastHeaders = req.headers;
      lastUrl = req.url ?? '';
      const url = new URL(req.url ?? '/', 'http://x');
      if (url.searchParams.get('token') !== 'good') {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end('{"error":{"code":"unauthorized","message":"bad token"}}');
        return;
      }
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      open.push(res);
      const id = url.pathname.split('/')[3];
      if (id === 'full') {
        res.write(session(1));
        res.write(': keep-alive\n\n');
        // A final split across writes, then the end.
        const text = final(2, 'go forward');
        res.write(text.slice(0, 10));
        setTimeout(() => {
          res.write(text.slice(10));
          res.end('event: end\nid: 3\ndata: {}\n\n');
        }, 30);
      } else if (id === 'gap') {
        res.write(session(1));
        res.write(final(3, 'skipped one'));
      } else if (id === 'bad') {
        res.write(session(1));
        res.write('event: final\nid: 2\ndata: {"text":"missing fields"}\n\n');
      } else {
        res.write(session(1)); // and then silence
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    open.forEach((res) => res.destroy());
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  it('records validated events and comments, and sends Last-Event-ID', async () => {
    const client = await SseClient.connect(baseUrl, 'full', 'good', { lastEventId: 0 });
    expect(client.ok).toBe(true);
    expect(lastHeaders['last-event-id']).toBe('0');
    expect(lastHeaders.accept).toBe('text/event-stream');
    expect(lastUrl).toBe('/api/sessions/full/events?token=good');
    const fin = await client.waitForType('final', 2000);
    expect(fin.data.text).toBe('go forward');
    await client.waitForType('end', 2000);
    await client.waitForClose(2000);
    expect(client.events.map((e) => [e.id, e.type])).toEqual([
      [1, 'session'],
      [2, 'final'],
      [3, 'end'],
    ]);
    expect(client.commentCount).toBe(1);
    expect(client.lastEventId).toBe('3');
    // Past events still satisfy waitFor; a stream that ended rejects new waits.
    await expect(client.waitFor((e) => e.type === 'session', 10)).resolves.toMatchObject({ id: 1 });
    await expect(client.waitForType('error', 100)).rejects.toThrow(/the stream ended first/);
    client.close();
  });

  it('rejects waitFor on timeout listing what it got, and close() is idempotent', async () => {
    const client = await SseClient.connect(baseUrl, 'quiet', 'good');
    await client.waitForType('session', 2000);
    const err = (await client.waitForType('final', 150).catch((e: Error) => e)) as Error;
    expect(err.message).toMatch(/timed out after 150 ms waiting for a "final" event/);
    expect(err.message).toMatch(/#1 session \{"state":"live"/);
    const pending = client.waitForType('end', 5000);
    client.close();
    client.close();
    await expect(pending).rejects.toThrow(/ended first/);
  });

  it('flags a frame that breaks the contract', async () => {
    const client = await SseClient.connect(baseUrl, 'bad', 'good');
    await expect(client.waitForType('end', 2000)).rejects.toThrow(/contract violation/);
    expect(client.violations).toHaveLength(1);
    expect(client.violations[0].frame.event).toBe('final');
    client.close();
  });

  it('flags ids that do not rise by one, counting from Last-Event-ID when resuming', async () => {
    const gap = await SseClient.connect(baseUrl, 'gap', 'good');
    await expect(gap.waitForType('end', 2000)).rejects.toThrow(/event id 3 where 2 was due/);
    expect(gap.events.map((e) => e.id)).toEqual([1, 3]);
    gap.close();
    // Resuming after 5, the server (wrongly) replays from 1.
    const resumed = await SseClient.connect(baseUrl, 'quiet', 'good', {
      lastEventId: 5,
      strict: false,
    });
    await resumed.waitForType('session', 2000);
    expect(resumed.violations[0].error).toMatch(/event id 1 where 6 was due/);
    resumed.close();
  });

  it('exposes the status and error body of a refusal', async () => {
    const client = await SseClient.connect(baseUrl, 'full', 'wrong');
    expect(client.ok).toBe(false);
    expect(client.status).toBe(401);
    expect(client.error).toEqual({ code: 'unauthorized', message: 'bad token' });
    expect(client.ended).toBe(true);
  });

  it('rejects on a network error', async () => {
    await expect(SseClient.connect('http://127.0.0.1:1', 's', 'good')).rejects.toThrow(
      /cannot connect/,
    );
  });
});
