import { ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';

export const WORKSPACE = resolve(__dirname, '../../..');
export const SERVER_MAIN = resolve(WORKSPACE, 'dist/apps/api/apps/api/src/main.js');
export const FIXTURES = resolve(WORKSPACE, 'fixtures/audio');

export interface LogLine {
  level?: string;
  msg?: string;
  context?: string;
  [key: string]: unknown;
}

export interface RunningServer {
  baseUrl: string;
  port: number;
  process: ChildProcess;
  /** Every JSON log line the server wrote so far. */
  logs: LogLine[];
  /** Everything the server wrote, as text (to check that no secret is ever logged). */
  output: () => string;
  waitForLog: (predicate: (line: LogLine) => boolean, timeoutMs?: number) => Promise<LogLine>;
  /** SIGTERM, then the exit code. */
  stop: () => Promise<number | null>;
}

/**
 * Starts the built server (`node dist/.../main.js`, as `npm start` does) on a free loopback
 * port with the given environment, and resolves once it logs that it listens.
 */
export async function startServer(env: Record<string, string>): Promise<RunningServer> {
  if (!existsSync(SERVER_MAIN))
    throw new Error(`${SERVER_MAIN} is missing: build the api first (nx run api:build)`);
  const child = spawn(process.execPath, [SERVER_MAIN], {
    cwd: WORKSPACE,
    env: {
      PATH: process.env['PATH'] ?? '',
      HOST: '127.0.0.1',
      PORT: '0',
      ICE_HOST_ADDRESSES: '127.0.0.1',
      LOG_LEVEL: 'debug',
      WEB_ROOT: resolve(WORKSPACE, 'tmp/no-web-root'),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: LogLine[] = [];
  let text = '';
  const listeners = new Set<() => void>();
  let partial = '';
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    text += chunk;
    partial += chunk;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line) as LogLine);
      } catch {
        logs.push({ msg: line });
      }
    }
    listeners.forEach((notify) => notify());
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    text += chunk;
  });
  const exited = new Promise<number | null>((resolveExit) =>
    child.once('exit', (code) => resolveExit(code)),
  );

  const waitForLog = (predicate: (line: LogLine) => boolean, timeoutMs = 15_000) =>
    new Promise<LogLine>((resolveLine, reject) => {
      const check = () => {
        const found = logs.find(predicate);
        if (found) {
          cleanup();
          resolveLine(found);
        }
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(
          new Error(`log line not seen in ${timeoutMs} ms; output so far:\n${text.slice(-4000)}`),
        );
      }, timeoutMs);
      const onExit = () => {
        cleanup();
        reject(new Error(`server exited before the log line; output:\n${text.slice(-4000)}`));
      };
      const cleanup = () => {
        clearTimeout(timer);
        listeners.delete(check);
        child.off('exit', onExit);
      };
      listeners.add(check);
      child.once('exit', onExit);
      check();
    });

  const listening = await waitForLog((line) => line.msg === 'listening');
  const port = Number(listening['port']);
  const scheme = env['TLS_CERT_FILE'] ? 'https' : 'http';
  return {
    baseUrl: `${scheme}://127.0.0.1:${port}`,
    port,
    process: child,
    logs,
    output: () => text,
    waitForLog,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      return exited;
    },
  };
}

/** Runs the server expecting it to refuse to start; resolves with its exit code and output. */
export function runServerToExit(
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, [SERVER_MAIN], {
      cwd: WORKSPACE,
      env: { PATH: process.env['PATH'] ?? '', HOST: '127.0.0.1', PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (output += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (output += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolveRun({ code, output });
    });
  });
}
