import { prepareClientProcess } from '@whisperstream/webrtc-client';
import { buildProgram } from './clip';
import { runShare } from './runner';
import type { ParentMessage, WorkerInit, WorkerLine } from './types';

/**
 * A load worker (started by `startLoad` with child_process.fork): gets its share and the
 * shared Opus frames over IPC, warms up and says `ready`, starts its sessions on `start`,
 * reports progress and outcomes as JSON lines on stdout.
 */
function write(line: WorkerLine): void {
  process.stdout.write(JSON.stringify(line) + '\n');
}

const stop = new AbortController();
let worker = -1;
let init: WorkerInit | undefined;
let program: Buffer[] = [];

process.on('message', (message: ParentMessage) => {
  if (message.type === 'stop') {
    stop.abort();
  } else if (message.type === 'init') {
    init = message;
    worker = message.worker;
    program = buildProgram(
      message.frames.map((f) => Buffer.from(f, 'base64')),
      message.options.durationS,
    );
    prepareClientProcess(message.options.url).then(
      () => write({ type: 'ready', worker }),
      (err: unknown) => fail(err),
    );
  } else if (message.type === 'start' && init) {
    const cpu0 = process.cpuUsage();
    runShare({
      options: init.options,
      worker,
      program,
      indices: init.indices,
      startAt: message.startAt,
      stop: stop.signal,
      onProgress: (event) => write({ type: 'progress', worker, event }),
      onOutcome: (outcome) => write({ type: 'outcome', worker, outcome }),
    }).then(
      () => {
        const cpu = process.cpuUsage(cpu0);
        write({ type: 'done', worker, cpuMs: (cpu.user + cpu.system) / 1000 });
        // werift may keep timers for a while after close(): the work is done, leave now.
        process.exit(0);
      },
      (err: unknown) => fail(err),
    );
  }
});

function fail(err: unknown): void {
  write({ type: 'fatal', worker, error: String(err) });
  process.exit(1);
}

process.on('disconnect', () => stop.abort());
