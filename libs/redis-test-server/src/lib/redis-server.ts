import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** How to get the redis-server the tests start (Debian's package). */
export const REDIS_INSTALL = 'apt-get install -y redis-server';

/** How long a start may take before it counts as failed. */
const START_TIMEOUT_MS = 10_000;
/** How long a stop waits after SIGTERM before SIGKILL. */
const STOP_GRACE_MS = 5000;

/** Whether `redis-server` is installed here. */
export function hasRedisServer(): boolean {
  return spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** Why tests that need Redis cannot run here, or null when they can. */
export function redisMissing(): string | null {
  return hasRedisServer()
    ? null
    : `redis-server is not installed (install it with \`${REDIS_INSTALL}\`)`;
}

/**
 * A redis-server of a test's own: on a free loopback port, without persistence, in its own
 * process group. Never a system-wide instance.
 */
export interface RunningRedis {
  /** `redis://127.0.0.1:<port>`, for REDIS_URL. */
  readonly url: string;
  readonly port: number;
  /** The current redis-server process (the leader of its own process group). */
  readonly process: ChildProcess;
  /** Everything redis-server wrote, over all its starts. */
  output(): string;
  /**
   * Stops the server (SIGTERM to its process group, SIGKILL after 5 s) and resolves once it has
   * exited; its data is gone (no persistence). The port stays this server's for `up()`.
   * Does nothing when it is already down.
   */
  down(): Promise<void>;
  /**
   * Starts it again on the same port, empty, and resolves once it answers PING. Does nothing
   * when it is already up.
   */
  up(): Promise<void>;
  /** `down()`, then `up()`: the same port, empty (nothing is saved). */
  restart(): Promise<void>;
  /** Stops it for good and removes its working directory. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Starts a redis-server of its own for a test: loopback, a free port, no persistence (`--save ''`,
 * `--appendonly no`, a fresh working directory), in its own process group so that nothing it
 * starts outlives it; resolves once it answers PING. Fails when redis-server is not installed
 * (see `redisMissing()` and `describeWithRedis()`).
 */
export async function startRedis(): Promise<RunningRedis> {
  const why = redisMissing();
  if (why) throw new Error(why);
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'whisperstream-redis-'));
  let text = '';
  const onOutput = (chunk: string) => (text += chunk);
  let child: ChildProcess;
  try {
    child = await launch(port, dir, onOutput);
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  // Should the test process end without stop(), its redis-server goes with it.
  const killOnExit = () => killGroup(child, 'SIGKILL');
  process.once('exit', killOnExit);
  let stopped = false;

  const down = () => stopGroup(child);
  const up = async () => {
    if (stopped) throw new Error(`the redis-server on port ${port} was stopped for good`);
    if (isRunning(child)) return;
    child = await launch(port, dir, onOutput);
  };
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    get process() {
      return child;
    },
    output: () => text,
    down,
    up,
    restart: async () => {
      await down();
      await up();
    },
    stop: async () => {
      stopped = true;
      await down();
      process.off('exit', killOnExit);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Spawns redis-server and resolves once it answers PING; fails with what it wrote. */
async function launch(
  port: number,
  dir: string,
  onOutput: (chunk: string) => void,
): Promise<ChildProcess> {
  const child = spawn(
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
  let own = '';
  const collect = (chunk: string) => {
    own += chunk;
    onOutput(chunk);
  };
  child.stdout?.setEncoding('utf8').on('data', collect);
  child.stderr?.setEncoding('utf8').on('data', collect);
  let spawnError: Error | undefined;
  child.once('error', (error) => (spawnError = error));
  const failure = (why: string) => new Error(own ? `${why}\n${own}` : why);

  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await ping(port))) {
    if (spawnError) throw failure(`redis-server did not start: ${spawnError.message}`);
    if (child.exitCode !== null || child.signalCode !== null) {
      throw failure(`redis-server exited with ${child.exitCode ?? child.signalCode}`);
    }
    if (Date.now() > deadline) {
      killGroup(child, 'SIGKILL');
      throw failure(
        `redis-server did not answer PING on port ${port} within ${START_TIMEOUT_MS / 1000} s`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return child;
}

function isRunning(child: ChildProcess): boolean {
  return child.pid !== undefined && child.exitCode === null && child.signalCode === null;
}

/** SIGTERM to the process group, SIGKILL after a grace time; resolves once it has exited. */
async function stopGroup(child: ChildProcess): Promise<void> {
  if (!isRunning(child)) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  killGroup(child, 'SIGTERM');
  const timer = setTimeout(() => killGroup(child, 'SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (!isRunning(child)) return;
  try {
    process.kill(-(child.pid as number), signal); // its whole process group
  } catch {
    // already gone
  }
}

function freePort(): Promise<number> {
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

/** Whether a Redis answers PING on the loopback port. */
export function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
  });
}
