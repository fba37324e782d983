import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onPath } from './requirements';

/** How long the sound server may take to listen on its socket. */
const START_TIMEOUT_MS = 10_000;

/** A private PulseAudio: a null sink, reachable only through its own socket. */
export interface PulseAudio {
  /** For a client's PULSE_SERVER: `unix:<socket>`. */
  server: string;
  /** Everything it wrote (warnings about running as root and about D-Bus are expected). */
  output: () => string;
  /** Ends its process group and removes its directory. Safe to call twice. */
  stop: () => Promise<void>;
}

/**
 * Starts a PulseAudio of its own (docs/TESTING.md, "Firefox"): no system or user configuration
 * (`-n`), a null sink to play into, anonymous clients on a socket in a temporary directory that
 * is also its HOME and XDG_RUNTIME_DIR, so it meets no other sound server and leaves nothing
 * behind. Resolves once the socket accepts connections.
 */
export async function startPulseAudio(): Promise<PulseAudio> {
  const binary = onPath('pulseaudio');
  if (binary === null) {
    throw new Error('pulseaudio is not on PATH');
  }
  const dir = mkdtempSync(join(tmpdir(), 'web-e2e-pulse-'));
  const socket = join(dir, 'native');
  mkdirSync(join(dir, 'home'));
  mkdirSync(join(dir, 'run'), { mode: 0o700 });
  const child = spawn(
    binary,
    [
      '--daemonize=no',
      '--exit-idle-time=-1',
      '--log-target=stderr',
      '-n',
      '-L',
      'module-null-sink',
      '-L',
      `module-native-protocol-unix socket=${socket} auth-anonymous=1`,
    ],
    {
      env: {
        PATH: process.env['PATH'] ?? '',
        HOME: join(dir, 'home'),
        XDG_RUNTIME_DIR: join(dir, 'run'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true, // its own process group, ended as a whole
    },
  );
  let text = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  child.once('error', (error) => (text += `spawn failed: ${error.message}\n`));

  let stopped = false;
  const stop = async () => {
    if (!stopped) {
      stopped = true;
      if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
        const group = -child.pid;
        killGroup(group, 'SIGTERM');
        const timer = setTimeout(() => killGroup(group, 'SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    }
  };

  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!(await accepts(socket))) {
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`PulseAudio did not start; its output:\n${text.slice(-2000)}`);
    }
    await new Promise((resolveWait) => setTimeout(resolveWait, 50));
  }
  return { server: `unix:${socket}`, output: () => text, stop };
}

function killGroup(group: number, signal: NodeJS.Signals): void {
  try {
    process.kill(group, signal);
  } catch {
    // already gone
  }
}

/** True once something listens on the unix socket. */
function accepts(path: string): Promise<boolean> {
  return new Promise((resolveTry) => {
    const socket = connect(path);
    socket.once('connect', () => {
      socket.destroy();
      resolveTry(true);
    });
    socket.once('error', () => resolveTry(false));
  });
}
