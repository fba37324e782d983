import { fork, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { buildProgram } from './clip';
import { assertLoopbackUrl } from './loopback';
import { runShare } from './runner';
import { shareOut } from './clip';
import { summarize, type LoadSummary } from './stats';
import type {
  LoadOptions,
  ParentMessage,
  ProgressEvent,
  SessionOutcome,
  WorkerInit,
  WorkerLine,
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
  outcomes: SessionOutcome[];
  summary: LoadSummary;
}

export interface LoadRun {
  /** Ends the streaming of every session now (they still say `bye` and wait for `end`). */
  stop(): void;
  readonly done: Promise<LoadResult>;
  readonly workerPids: number[];
}

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
  // Leave the workers time to start and decode the frames before session 0 is due.
  const startAt = startedAt + (options.workers > 0 ? 1500 : 50);
  if (options.workers <= 0) {
    const stopper = new AbortController();
    const done = runShare({
      options,
      worker: 0,
      program: buildProgram([...frames], options.durationS),
      indices: shareOut(options.sessions, 1)[0],
      startAt,
      stop: stopper.signal,
      onProgress: hooks.onProgress,
      onOutcome: hooks.onOutcome,
    }).then((outcomes) => result(options, startedAt, [], outcomes));
    return { stop: () => stopper.abort(), done, workerPids: [] };
  }

  const shares = shareOut(options.sessions, Math.min(options.workers, options.sessions));
  const encoded = frames.map((f) => f.toString('base64'));
  const script = resolve(__dirname, __filename.endsWith('.ts') ? 'worker.ts' : 'worker.js');
  const children: ChildProcess[] = [];
  const outcomes: SessionOutcome[] = [];
  const finished = shares.map((indices, worker) => {
    const child = fork(script, [], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
    children.push(child);
    const init: WorkerInit = { type: 'init', worker, options, frames: encoded, indices, startAt };
    child.send(init satisfies ParentMessage);
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
      if (line.type === 'progress') {
        hooks.onProgress?.(line.event);
      } else if (line.type === 'outcome') {
        seen.add(line.outcome.index);
        outcomes.push(line.outcome);
        hooks.onOutcome?.(line.outcome);
      } else if (line.type === 'fatal') {
        hooks.onWarning?.(`worker ${worker} failed: ${line.error}`);
      }
    });
    return new Promise<void>((resolveExit) => {
      child.once('exit', (code, signal) => {
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
    ),
  );
  return { stop, done, workerPids: children.map((c) => c.pid ?? -1) };
}

function result(
  options: LoadOptions,
  startedAt: number,
  workerPids: number[],
  outcomes: SessionOutcome[],
): LoadResult {
  return {
    options,
    startedAt,
    finishedAt: Date.now(),
    workerPids,
    outcomes,
    summary: summarize(outcomes),
  };
}

function lostOutcome(index: number, worker: number, error: string): SessionOutcome {
  return {
    index,
    worker,
    startedAt: 0,
    created: false,
    packetsSent: 0,
    finals: 0,
    finalLatencyMs: [],
    finalClientLagMs: [],
    errorEvents: 0,
    endReceived: false,
    sseViolations: 0,
    failedStage: 'stream',
    errors: [error],
  };
}
