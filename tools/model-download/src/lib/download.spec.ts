import { createHash, randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DownloadError, DownloadOptions, downloadModel } from './download';
import { KnownModel } from './models';
import { ProgressReporter } from './progress';

type Behaviour = 'whole' | 'cut' | 'ignore-range' | 'not-found' | 'silent';

/** Serves one model file over HTTP on 127.0.0.1, honouring Range unless told otherwise. */
class ModelServer {
  readonly ranges: Array<string | undefined> = [];
  readonly behaviours: Behaviour[] = [];
  readonly #sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    private readonly body: Buffer,
  ) {
    server.on('connection', (socket) => {
      this.#sockets.add(socket);
      socket.on('close', () => this.#sockets.delete(socket));
    });
    server.on('request', (request: IncomingMessage, response: ServerResponse) =>
      this.#answer(request, response),
    );
  }

  static async start(body: Buffer): Promise<ModelServer> {
    const server = createServer();
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return new ModelServer(server, body);
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/models`;
  }

  /** What the next requests get, in order; then whole files. */
  script(...behaviours: Behaviour[]): void {
    this.behaviours.push(...behaviours);
  }

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    this.server.close();
    await once(this.server, 'close');
  }

  #answer(request: IncomingMessage, response: ServerResponse): void {
    const range = request.headers.range;
    this.ranges.push(range);
    const behaviour = this.behaviours.shift() ?? 'whole';
    if (behaviour === 'silent') return; // accepts the connection, never answers
    if (behaviour === 'not-found' || request.url !== '/models/ggml-test.bin') {
      response.writeHead(404).end('not found');
      return;
    }
    const start =
      range && behaviour !== 'ignore-range' ? Number(/bytes=(\d+)-/.exec(range)?.[1]) : 0;
    if (start >= this.body.length) {
      response.writeHead(416, { 'content-range': `bytes */${this.body.length}` }).end();
      return;
    }
    const slice = this.body.subarray(start);
    response.writeHead(start > 0 ? 206 : 200, {
      'content-length': String(slice.length),
      ...(start > 0
        ? { 'content-range': `bytes ${start}-${this.body.length - 1}/${this.body.length}` }
        : {}),
    });
    if (behaviour === 'cut') {
      // Half the body, then the connection drops.
      response.write(slice.subarray(0, Math.floor(slice.length / 2)), () =>
        response.socket?.destroy(),
      );
      return;
    }
    response.end(slice);
  }
}

/** Records what a download reports. */
class FakeProgress implements ProgressReporter {
  readonly starts: Array<{ resumeFrom: number; total?: number }> = [];
  readonly updates: number[] = [];
  readonly notes: string[] = [];
  start(info: { resumeFrom: number; total?: number }): void {
    this.starts.push({ resumeFrom: info.resumeFrom, total: info.total });
  }
  update(received: number): void {
    this.updates.push(received);
  }
  end(): void {
    return;
  }
  note(text: string): void {
    this.notes.push(text);
  }
}

async function failure(promise: Promise<unknown>): Promise<DownloadError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(DownloadError);
  return error as DownloadError;
}

describe('downloadModel', () => {
  const body = randomBytes(3 * 1024 * 1024 + 123);
  const models: KnownModel[] = [
    {
      name: 'test',
      sha1: createHash('sha1').update(body).digest('hex'),
      size: '3 MiB',
      englishOnly: true,
    },
  ];
  let dir: string;
  let server: ModelServer;
  let progress: FakeProgress;
  let options: DownloadOptions;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'model-download-'));
    server = await ModelServer.start(body);
    progress = new FakeProgress();
    options = {
      name: 'test',
      modelsDir: dir,
      baseUrl: server.baseUrl,
      models,
      progress,
      attempts: 1,
      retryDelayMs: 1,
    };
  });

  afterEach(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  const target = () => join(dir, 'ggml-test.bin');
  const part = () => `${target()}.part`;

  it('fetches a model, reports its progress and checks it into place', async () => {
    const result = await downloadModel(options);

    expect(result).toEqual({ path: target(), bytes: body.length, alreadyPresent: false });
    expect((await readFile(target())).equals(body)).toBe(true);
    expect(existsSync(part())).toBe(false);
    expect(progress.starts).toEqual([{ resumeFrom: 0, total: body.length }]);
    expect(progress.updates.length).toBeGreaterThan(1);
    expect(progress.updates.at(-1)).toBe(body.length);
  });

  it('leaves an intact model alone', async () => {
    await writeFile(target(), body);

    const result = await downloadModel(options);

    expect(result.alreadyPresent).toBe(true);
    expect(server.ranges).toEqual([]);
  });

  it('deletes a download whose checksum is wrong and says so', async () => {
    const error = await failure(
      downloadModel({ ...options, models: [{ ...models[0], sha1: '0'.repeat(40) }] }),
    );

    expect(error.problem).toBe('checksum');
    expect(error.message).toMatch(
      /ggml-test\.bin came out corrupt .* it was deleted: run the command again/,
    );
    expect(existsSync(part())).toBe(false);
    expect(existsSync(target())).toBe(false);
  });

  it('keeps what arrived when the connection drops, and resumes it with Range on the next run', async () => {
    server.script('cut');

    const error = await failure(downloadModel(options));

    expect(error.problem).toBe('interrupted');
    expect(error.message).toMatch(/broke after .* is kept: run the command again to resume/);
    const kept = (await stat(part())).size;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(body.length);

    const result = await downloadModel(options);

    expect(server.ranges).toEqual([undefined, `bytes=${kept}-`]);
    expect(progress.starts.at(-1)).toEqual({ resumeFrom: kept, total: body.length });
    expect(result.bytes).toBe(body.length);
    expect((await readFile(target())).equals(body)).toBe(true);
  });

  it('resumes within the same run when it may try again', async () => {
    server.script('cut');

    await downloadModel({ ...options, attempts: 2 });

    expect(server.ranges).toHaveLength(2);
    expect(server.ranges[1]).toMatch(/^bytes=\d+-$/);
    expect(progress.notes).toEqual([expect.stringMatching(/broke after .* trying again/)]);
    expect((await readFile(target())).equals(body)).toBe(true);
  });

  it('starts over when the server ignores the Range', async () => {
    await writeFile(part(), body.subarray(0, 1000));
    server.script('ignore-range');

    await downloadModel(options);

    expect(server.ranges).toEqual(['bytes=1000-']);
    expect(progress.notes).toEqual([expect.stringMatching(/does not resume downloads/)]);
    expect((await readFile(target())).equals(body)).toBe(true);
  });

  it('finishes a download whose .part is already whole', async () => {
    await writeFile(part(), body);

    await downloadModel(options);

    expect(server.ranges).toEqual([`bytes=${body.length}-`]);
    expect((await readFile(target())).equals(body)).toBe(true);
  });

  it('says clearly when the server cannot be reached', async () => {
    await server.close();

    const error = await failure(downloadModel(options));

    expect(error.problem).toBe('unreachable');
    expect(error.message).toMatch(
      /cannot reach 127\.0\.0\.1:\d+ \(ECONNREFUSED\).*WHISPER_MODEL_BASE_URL/,
    );
    server = await ModelServer.start(body); // for afterEach
  });

  it('gives up on a server that never answers', async () => {
    server.script('silent');

    const error = await failure(downloadModel({ ...options, connectTimeoutMs: 200 }));

    expect(error.problem).toBe('timeout');
    expect(error.message).toMatch(/did not answer within 0\.2 s/);
  });

  it('reports an HTTP error with its status and leaves nothing behind', async () => {
    server.script('not-found');

    const error = await failure(downloadModel(options));

    expect(error.problem).toBe('http');
    expect(error.message).toBe(`${server.baseUrl}/ggml-test.bin answered HTTP 404`);
    expect(existsSync(part())).toBe(false);
  });

  it('refuses a model it has no checksum for', async () => {
    const error = await failure(downloadModel({ ...options, name: 'large-v9' }));

    expect(error.problem).toBe('unknown_model');
    expect(error.message).toBe('unknown model "large-v9"; known models: test');
  });

  it('stops when asked (Ctrl-C), saying how to resume', async () => {
    server.script('silent');
    const controller = new AbortController();
    const download = downloadModel({ ...options, signal: controller.signal });

    controller.abort();

    const error = await failure(download);
    expect(error.problem).toBe('aborted');
    expect(error.message).toMatch(/run the command again to resume/);
  });
});
