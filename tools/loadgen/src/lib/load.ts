import { fork, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { buildProgram } from './clip';
import { prepareClientProcess } from '@whisperstream/webrtc-client';
import { assertLoopbackUrl } from './loopback';
import { runShare } from './runner';
import { shareOut } from './clip';
import { summarize, type LoadSummary } from './stats';
import {
  newOutcome,
  type LoadOptions,
  type ParentMessage,
  type ProgressEvent,
  type SessionOutcome,
  type WorkerInit,
  type WorkerLine,
  type WorkerStart,
} from './types';

export interface LoadHooks {
  onProgress?: (event: ProgressEvent) => void;
  onOutcome?: (outcome: SessionOutcome) => void;
  /** Worker stderr and protocol problems. */
  onWarning?: (text: string) => void;
}

export interface LoadResult {
  options: LoadOptions;
  startedAt: number;
  finishedAt: number;
  /** Worker process ids (empty when run in this process). */
  workerPids: number[];
  /**
   * CPU time the load generator spent on the sessions (workers from `start` to their end; the
   * whole process when run in it), ms: the client's own cost, whatever else the machine ran.
   */
  clientCpuMs: number;
  outcomes: SessionOutcome[];
  summary: LoadSummary;
}

export interface LoadRun {
  /** Ends the streaming of every session now (they still say `bye` and wait for `end`). */
  stop(): void;
  readonly done: Promise<LoadResult>;
  readonly workerPids: number[];
}

/** Between "everyone is ready" and session 0 (the start message's trip). */
const START_MARGIN_MS = 50;

/** How long after a worker's last word the parent gives up on it. */
const WORKER_GRACE_MS = 15_000;

/**
 * Starts a load run: `sessions` sessions on a ramp, each streaming the shared Opus frames in
 * real time for `durationS` (or until `stop()`), in `workers` child processes (0: here).
 * The URL must be a loopback address.
 */
export function startLoad(
  input: LoadOptions,
  frames: readonly Buffer[],
  hooks: LoadHooks = {},
): LoadRun {
  const options: LoadOptions = { ...input, url: assertLoopbackUrl(input.url) };
  if (!Number.isInteger(options.sessions) || options.sessions < 1) {
    throw new Error('sessions must be a positive integer');
  }
  const startedAt = Date.now();
  if (options.workers <= 0) {
    const stopper = new AbortController();
    let cpu0 = process.cpuUsage();
    const done = prepareClientProcess(options.url)
      .then(() => {
        cpu0 = process.cpuUsage();
        return runShare({
          options,
          worker: 0,
          program: buildProgram([...frames], options.durationS),
          indices: shareOut(options.sessions, 1)[0],
          startAt: Date.now() + START_MARGIN_MS,
          stop: stopper.signal,
          onProgress: hooks.onProgress,
          onOutcome: hooks.onOutcome,
        });
      })
      .then((outcomes) => {
        const cpu = process.cpuUsage(cpu0);
        return result(options, startedAt, [], outcomes, (cpu.user + cpu.system) / 1000);
      });
    return { stop: () => stopper.abort(), done, workerPids: [] };
  }

  const shares = shareOut(options.sessions, Math.min(options.workers, options.sessions));
  const encoded = frames.map((f) => f.toString('base64'));
  const script = resolve(__dirname, __filename.endsWith('.ts') ? 'worker.ts' : 'worker.js');
  const children: ChildProcess[] = [];
  const outcomes: SessionOutcome[] = [];
  let clientCpuMs = 0;
  // Session 0 is due shortly after the last worker is ready (or gone), for all workers at once.
  let waiting = shares.length;
  const oneReady = (): void => {
    if (--waiting !== 0) return;
    const start: WorkerStart = { type: 'start', startAt: Date.now() + START_MARGIN_MS };
    for (const child of children) if (child.connected) child.send(start satisfies ParentMessage);
  };
  const finished = shares.map((indices, worker) => {
    const child = fork(script, [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    children.push(child);
    const init: WorkerInit = { type: 'init', worker, options, frames: encoded, indices };
    child.send(init satisfies ParentMessage);
    let ready = false;
    const readyOnce = (): void => {
      if (ready) return;
      ready = true;
      oneReady();
    };
    child.stderr?.setEncoding('utf8').on('data', (text: string) => hooks.onWarning?.(text));
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    const seen = new Set<number>();
    lines.on('line', (text) => {
      let line: WorkerLine;
      try {
        line = JSON.parse(text) as WorkerLine;
      } catch {
        hooks.onWarning?.(`worker ${worker}: ${text}`);
        return;
      }
      if (line.type === 'ready') {
        readyOnce();
      } else if (line.type === 'progress') {
        hooks.onProgress?.(line.event);
      } else if (line.type === 'outcome') {
        seen.add(line.outcome.index);
        outcomes.push(line.outcome);
        hooks.onOutcome?.(line.outcome);
      } else if (line.type === 'done') {
        clientCpuMs += line.cpuMs;
      } else if (line.type === 'fatal') {
        hooks.onWarning?.(`worker ${worker} failed: ${line.error}`);
      }
    });
    return new Promise<void>((resolveExit) => {
      child.once('exit', (code, signal) => {
        readyOnce(); // a worker that died before it was ready does not hold the others
        // Sessions a crashed worker never reported count as failed, not as missing.
        for (const index of indices.filter((i) => !seen.has(i))) {
          outcomes.push(lostOutcome(index, worker, `worker exited (${code ?? signal}) first`));
        }
        resolveExit();
      });
    });
  });
  const stop = (): void => {
    for (const child of children) {
      if (child.connected) {
        child.send({ type: 'stop' } satisfies ParentMessage);
      }
    }
    // A worker that does not finish after stop is ended (it is ours).
    setTimeout(
      () => {
        for (const child of children) {
          if (child.exitCode === null && child.signalCode === null) {
            child.kill('SIGKILL');
          }
        }
      },
      WORKER_GRACE_MS + (options.endTimeoutMs ?? 20_000),
    ).unref();
  };
  const done = Promise.all(finished).then(() =>
    result(
      options,
      startedAt,
      children.map((c) => c.pid ?? -1),
      outcomes.sort((a, b) => a.index - b.index),
      clientCpuMs,
    ),
  );
  return { stop, done, workerPids: children.map((c) => c.pid ?? -1) };
}

function result(
  options: LoadOptions,
  startedAt: number,
  workerPids: number[],
  outcomes: SessionOutcome[],
  clientCpuMs: number,
): LoadResult {
  return {
    options,
    startedAt,
    finishedAt: Date.now(),
    workerPids,
    clientCpuMs: Math.round(clientCpuMs),
    outcomes,
    summary: summarize(outcomes),
  };
}

function lostOutcome(index: number, worker: number, error: string): SessionOutcome {
  return newOutcome(index, worker, { failedStage: 'stream', errors: [error] });
}
