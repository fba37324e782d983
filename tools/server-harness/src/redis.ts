import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** How to get the redis-server the cluster tests start (Debian's package). */
export const REDIS_INSTALL = 'apt-get install -y redis-server';

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

export interface RunningRedis {
  /** `redis://127.0.0.1:<port>`, for REDIS_URL. */
  url: string;
  port: number;
  /** The redis-server process (the leader of its own process group). */
  readonly process: ChildProcess;
  /** Everything redis-server wrote. */
  output: () => string;
  /** SIGTERM to its process group; resolves once it has exited. Idempotent. */
  stop: () => Promise<void>;
  /** Stops it and starts it again on the same port, empty (nothing is saved). */
  restart: () => Promise<void>;
}

/**
 * Starts a redis-server of its own for a test: loopback, a free port, no persistence (`--save ''`,
 * `--appendonly no`, a fresh working directory), in its own process group so that nothing it
 * starts outlives it; resolves once it answers PING. Never a system-wide instance.
 */
export async function startRedis(): Promise<RunningRedis> {
  const why = redisMissing();
  if (why) throw new Error(why);
  const dir = mkdtempSync(join(tmpdir(), 'whisperstream-redis-'));
  const port = await freePort();
  let text = '';
  let child = await launch(port, dir, (chunk) => (text += chunk));
  const killOnExit = () => killGroup(child, 'SIGKILL');
  process.once('exit', killOnExit);

  const stopChild = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    killGroup(child, 'SIGTERM');
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  };
  const running: RunningRedis = {
    url: `redis://127.0.0.1:${port}`,
    port,
    get process() {
      return child;
    },
    output: () => text,
    stop: async () => {
      await stopChild();
      process.off('exit', killOnExit);
      rmSync(dir, { recursive: true, force: true });
    },
    restart: async () => {
      await stopChild();
      child = await launch(port, dir, (chunk) => (text += chunk));
    },
  };
  return running;
}

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
    ],
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.setEncoding('utf8').on('data', onOutput);
  child.stderr?.setEncoding('utf8').on('data', onOutput);
  const deadline = Date.now() + 10_000;
  while (!(await ping(port))) {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
    if (Date.now() > deadline) {
      killGroup(child, 'SIGKILL');
      throw new Error(`redis-server did not answer PING on port ${port} within 10 s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return child;
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
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

/** Whether a Redis answers PING on the port. */
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
