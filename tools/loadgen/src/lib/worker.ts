import { buildProgram } from './clip';
import { runShare } from './runner';
import type { ParentMessage, WorkerLine } from './types';

/**
 * A load worker (started by `startLoad` with child_process.fork): gets its share and the
 * shared Opus frames over IPC, reports progress and outcomes as JSON lines on stdout.
 */
function write(line: WorkerLine): void {
  process.stdout.write(JSON.stringify(line) + '\n');
}

const stop = new AbortController();
let worker = -1;

process.on('message', (message: ParentMessage) => {
  if (message.type === 'stop') {
    stop.abort();
    return;
  }
  worker = message.worker;
  const frames = message.frames.map((f) => Buffer.from(f, 'base64'));
  const program = buildProgram(frames, message.options.durationS);
  write({ type: 'ready', worker });
  runShare({
    options: message.options,
    worker,
    program,
    indices: message.indices,
    startAt: message.startAt,
    stop: stop.signal,
    onProgress: (event) => write({ type: 'progress', worker, event }),
    onOutcome: (outcome) => write({ type: 'outcome', worker, outcome }),
  }).then(
    () => {
      write({ type: 'done', worker });
      // werift may keep timers for a while after close(): the work is done, leave now.
      process.exit(0);
    },
    (err: unknown) => {
      write({ type: 'fatal', worker, error: String(err) });
      process.exit(1);
    },
  );
});

process.on('disconnect', () => stop.abort());
