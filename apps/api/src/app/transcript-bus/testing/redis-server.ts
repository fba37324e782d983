import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A redis-server of a test's own (Debian's `redis-server` package): on a free loopback port,
 * without persistence, in its own process group, stopped by the test. Never a system-wide one.
 * (tools/server-harness may grow a `startRedis()` for the end-to-end suites; the api's unit
 * tests may not import tools, hence this small one.)
 */
export interface TestRedis {
  readonly port: number;
  readonly url: string;
  /** Stops the server (its data is gone: no persistence). */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty. */
  start(): Promise<void>;
  /** Stops it for good and removes its directory. */
  close(): Promise<void>;
}

const REQUIRE_ALL = process.env['WHISPERSTREAM_REQUIRE_ALL'] === '1';

/** Why the Redis tests cannot run here, or null when they can. */
export function redisServerMissing(): string | null {
  const probe = spawnSync('redis-server', ['--version'], { encoding: 'utf8' });
  return probe.error || probe.status !== 0
    ? 'redis-server is not installed (install it with `apt-get install -y redis-server`)'
    : null;
}

/**
 * `describe` when redis-server is installed; otherwise the tests are skipped and the output
 * says why and how to install it, or, with WHISPERSTREAM_REQUIRE_ALL=1, one failing test
 * takes their place.
 */
export function describeWithRedis(name: string, body: () => void): void {
  const why = redisServerMissing();
  if (why === null) {
    describe(name, body);
  } else if (REQUIRE_ALL) {
    describe(name, () => {
      it('has redis-server', () => {
        throw new Error(`WHISPERSTREAM_REQUIRE_ALL=1, but ${why}`);
      });
    });
  } else {
    process.stdout.write(
      `SKIPPED: ${name}: ${why}. Set WHISPERSTREAM_REQUIRE_ALL=1 to make this a failure.\n`,
    );
    describe.skip(`${name} (SKIPPED: ${why})`, body);
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Starts a redis-server on a free loopback port and waits until it accepts connections. */
export async function startTestRedis(): Promise<TestRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'whisperstream-redis-'));
  let child: ChildProcess | undefined;

  const start = async (): Promise<void> => {
    const server = spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        '--daemonize',
        'no',
      ],
      { detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = server;
    await new Promise<void>((resolve, reject) => {
      let output = '';
      const timer = setTimeout(() => fail(new Error('redis-server did not start in 10 s')), 10_000);
      const fail = (error: Error) => {
        clearTimeout(timer);
        reject(new Error(`${error.message}\n${output}`));
      };
      server.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
      server.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
      server.once('error', fail);
      server.once('exit', (code) => fail(new Error(`redis-server exited (${code})`)));
    });
  };

  const stop = async (): Promise<void> => {
    const server = child;
    child = undefined;
    if (!server?.pid || server.exitCode !== null || server.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => server.once('exit', () => resolve()));
    const kill = (signal: NodeJS.Signals) => {
      try {
        process.kill(-(server.pid as number), signal); // its whole process group
      } catch {
        // already gone
      }
    };
    kill('SIGTERM');
    const timer = setTimeout(() => kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };

  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    start,
    stop,
    close: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
