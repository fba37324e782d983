import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { TranscriptEvent } from '@whisperstream/shared-types';
import { HttpError, ProtocolError, ServerUnreachableError } from './errors';
import { TranscriptEventStream, type EventStreamState } from './event-stream';
import type { FetchLike } from './transport';

const final = (segmentId: number, text: string) =>
  JSON.stringify({
    segmentId,
    text,
    startMs: segmentId * 1000,
    endMs: segmentId * 1000 + 800,
    latencyMs: 300,
    engine: 'fake',
  });
const frame = (id: number, type: string, data: string) =>
  `id: ${id}\nevent: ${type}\ndata: ${data}\n\n`;

/** A real local HTTP server; each request is answered by the next scripted handler. */
class ScriptedServer {
  readonly requests: http.IncomingHttpHeaders[] = [];
  readonly #handlers: Array<(req: http.IncomingMessage, res: http.ServerResponse) => void> = [];
  readonly #server = http.createServer((req, res) => {
    this.requests.push(req.headers);
    const handler = this.#handlers.shift();
    if (!handler) {
      res.writeHead(500).end();
      return;
    }
    handler(req, res);
  });
  url = '';

  async start(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/api/sessions/s1/events?token=t`;
  }

  then(handler: (req: http.IncomingMessage, res: http.ServerResponse) => void): this {
    this.#handlers.push(handler);
    return this;
  }

  stop(): Promise<void> {
    this.#server.closeAllConnections();
    return new Promise((resolve) => this.#server.close(() => resolve()));
  }
}

const sse = (res: http.ServerResponse): void => {
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.flushHeaders();
};

describe(TranscriptEventStream.name, () => {
  let server: ScriptedServer;
  let received: TranscriptEvent[];
  const fetchFn = fetch as unknown as FetchLike;

  beforeEach(async () => {
    server = new ScriptedServer();
    await server.start();
    received = [];
  });

  afterEach(() => server.stop());

  it('parses events split across chunks, CRLF line ends and keep-alive comments', async () => {
    const comments: string[] = [];
    server.then((_req, res) => {
      sse(res);
      const text = `: keep-alive\r\n\r\nid: 1\r\nevent: session\r\ndata: {"state":"live","engine":{"id":"fake","model":"m"}}\r\n\r\n${frame(2, 'final', final(0, 'héllo wörld'))}${frame(3, 'end', '{}')}`;
      const bytes = Buffer.from(text, 'utf8');
      // one byte at a time: characters, lines and CRLFs are all split
      let i = 0;
      const next = (): void => {
        if (i < bytes.length) {
          res.write(bytes.subarray(i, i + 1));
          i++;
          setImmediate(next);
        }
      };
      next();
    });
    const sut = await TranscriptEventStream.open({
      url: server.url,
      fetch: fetchFn,
      onEvent: (e) => received.push(e),
      onComment: (c) => comments.push(c),
    });

    expect(await sut.done).toEqual({ reason: 'end' });
    expect(received.map((e) => [e.id, e.type])).toEqual([
      [1, 'session'],
      [2, 'final'],
      [3, 'end'],
    ]);
    expect(received[1]).toMatchObject({ data: { text: 'héllo wörld' } });
    expect(comments).toEqual(['keep-alive']);
    expect(server.requests[0]['last-event-id']).toBeUndefined();
  });

  it('resumes with Last-Event-ID after the connection drops, with no event lost or doubled', async () => {
    const states: EventStreamState[] = [];
    server
      .then((_req, res) => {
        sse(res);
        res.write(frame(1, 'final', final(0, 'one')) + frame(2, 'final', final(1, 'two')));
        setTimeout(() => res.socket?.destroy(), 50); // the connection breaks before `end`
      })
      .then((_req, res) => {
        sse(res);
        // a server may overlap: 2 again, then what came after
        res.end(
          frame(2, 'final', final(1, 'two')) +
            frame(3, 'final', final(2, 'three')) +
            frame(4, 'end', '{}'),
        );
      });

    const sut = await TranscriptEventStream.open({
      url: server.url,
      fetch: fetchFn,
      reconnectDelaysMs: [10],
      onEvent: (e) => received.push(e),
      onState: (s) => states.push(s),
    });

    expect(await sut.done).toEqual({ reason: 'end' });
    expect(received.map((e) => e.id)).toEqual([1, 2, 3, 4]);
    expect(server.requests.map((h) => h['last-event-id'])).toEqual([undefined, '2']);
    expect(sut.reconnects).toBe(1);
    expect(sut.counts).toEqual({ rejected: 0, replays: 1, gaps: 0 });
    expect(states).toEqual(['open', 'reconnecting', 'open', 'closed']);
  });

  it('starts after the given Last-Event-ID', async () => {
    server.then((_req, res) => {
      sse(res);
      res.end(frame(6, 'end', '{}'));
    });
    const sut = await TranscriptEventStream.open({
      url: server.url,
      fetch: fetchFn,
      lastEventId: 5,
      onEvent: (e) => received.push(e),
    });
    await sut.done;
    expect(server.requests[0]['last-event-id']).toBe('5');
    expect(received.map((e) => e.id)).toEqual([6]);
  });

  it('ends as lost when a reconnect is refused, with the server’s code', async () => {
    server
      .then((_req, res) => {
        sse(res);
        res.end(frame(1, 'final', final(0, 'one')));
      })
      .then((_req, res) => {
        res
          .writeHead(404, { 'content-type': 'application/json' })
          .end(
            JSON.stringify({ error: { code: 'session_not_found', message: 'no such session' } }),
          );
      });
    const sut = await TranscriptEventStream.open({
      url: server.url,
      fetch: fetchFn,
      reconnectDelaysMs: [10, 10, 10],
    });
    const end = await sut.done;
    expect(end.reason).toBe('lost');
    expect(end.reason === 'lost' && end.error).toMatchObject({
      status: 404,
      code: 'session_not_found',
    });
    expect(server.requests).toHaveLength(2);
  });

  it('gives up after its reconnect delays when the server keeps dropping it', async () => {
    for (let i = 0; i < 3; i++) {
      server.then((_req, res) => {
        sse(res);
        res.end();
      });
    }
    const sut = await TranscriptEventStream.open({
      url: server.url,
      fetch: fetchFn,
      reconnectDelaysMs: [5, 5],
    });
    expect((await sut.done).reason).toBe('lost');
    expect(server.requests).toHaveLength(3);
  });

  it('skips and counts frames outside the contract, and goes on', async () => {
    const rejected: string[] = [];
    server.then((_req, res) => {
      sse(res);
      res.end(
        frame(1, 'final', '{"segmentId":0,"text":"no timing"}') +
          frame(2, 'mystery', '{}') +
          frame(3, 'final', final(0, 'fine')) +
          frame(4, 'end', '{}'),
      );
    });
    const sut = await TranscriptEventStream.open({
      url: server.url,
      fetch: fetchFn,
      onEvent: (e) => received.push(e),
      onRejected: (f) => rejected.push(f.event),
    });
    await sut.done;
    expect(received.map((e) => e.id)).toEqual([3, 4]);
    expect(rejected).toEqual(['final', 'mystery']);
    expect(sut.counts.rejected).toBe(2);
  });

  it('refuses with an HttpError carrying the contract error and status', async () => {
    server.then((_req, res) => {
      res
        .writeHead(401, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { code: 'invalid_token', message: 'bad token' } }));
    });
    const error = await TranscriptEventStream.open({ url: server.url, fetch: fetchFn }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(HttpError);
    expect(error).toMatchObject({ status: 401, code: 'invalid_token', message: 'bad token' });
  });

  it('refuses an answer that is not an event stream', async () => {
    server.then((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end('<html>'));
    await expect(
      TranscriptEventStream.open({ url: server.url, fetch: fetchFn }),
    ).rejects.toBeInstanceOf(ProtocolError);
  });

  it('says the server is unreachable when nothing answers in time', async () => {
    server.then(() => undefined); // accepts, never answers
    const error = await TranscriptEventStream.open({
      url: server.url,
      fetch: fetchFn,
      connectTimeoutMs: 100,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerUnreachableError);
    expect((error as Error).message).toContain('within 100 ms');
  });

  it('stops at close() and does not reconnect', async () => {
    server.then((_req, res) => {
      sse(res);
      res.write(frame(1, 'final', final(0, 'one')));
    });
    const sut = await TranscriptEventStream.open({
      url: server.url,
      fetch: fetchFn,
      reconnectDelaysMs: [1],
      onEvent: (e) => received.push(e),
    });
    while (received.length === 0) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    sut.close();
    expect(await sut.done).toEqual({ reason: 'closed' });
    expect(sut.state).toBe('closed');
    expect(server.requests).toHaveLength(1);
  });
});
