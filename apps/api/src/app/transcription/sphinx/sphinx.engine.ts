import { ChildProcessWithoutNullStreams, execFile, spawn } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { promisify } from 'node:util';
import { mkdtemp, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';
import type { EngineInfo } from '@whisperstream/shared-types';
import {
  EngineError,
  EngineTimeoutError,
  EngineUnavailableError,
  TranscriptionEngine,
  TranscriptionRequest,
  TranscriptionResult,
} from '../engine';

export const DEFAULT_SPHINX_MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';
export const SPHINX_COMMAND = 'pocketsphinx_batch';

export interface SphinxEngineOptions {
  /** Folder with `en-us/` (acoustic model), `en-us.lm.bin` and `cmudict-en-us.dict`. */
  modelDir?: string;
  command?: string;
  /** Requests waiting beyond this are refused (`engine_busy`). */
  maxQueue?: number;
  /** An utterance gets at least this long, plus 3x its duration, before it times out. */
  minTimeoutMs?: number;
}

interface Pending {
  id: string;
  file: string;
  resolve: (result: TranscriptionResult) => void;
  reject: (error: EngineError) => void;
  timer: NodeJS.Timeout;
  cleanup: () => void;
}

/** Whether Debian's pocketsphinx and its US English model are installed. */
export function sphinxAvailability(options: SphinxEngineOptions = {}): {
  available: boolean;
  reason?: string;
} {
  const command = options.command ?? SPHINX_COMMAND;
  const modelDir = options.modelDir ?? DEFAULT_SPHINX_MODEL_DIR;
  const onPath = (process.env['PATH'] ?? '')
    .split(delimiter)
    .some((dir) => dir && existsSync(join(dir, command)));
  if (!onPath)
    return {
      available: false,
      reason: `${command} is not installed (apt-get install pocketsphinx)`,
    };
  if (!existsSync(join(modelDir, 'en-us'))) {
    return {
      available: false,
      reason: `no pocketsphinx model in ${modelDir} (apt-get install pocketsphinx-en-us)`,
    };
  }
  return { available: true };
}

/**
 * Debian's pocketsphinx as an offline engine with nothing to download. Finals go to one
 * long-lived recogniser; partial results get a second one of their own, started on the first
 * partial, so that a final never waits behind a partial that is being decoded (a recogniser
 * decodes one utterance at a time and cannot stop in the middle of one).
 */
export class SphinxEngine implements TranscriptionEngine {
  readonly info: EngineInfo = { id: 'sphinx', model: 'pocketsphinx-en-us' };
  readonly paid = false;
  #partials?: Promise<SphinxRecogniser>;
  #partialRecogniser?: SphinxRecogniser;
  #closed = false;

  private constructor(
    private readonly options: SphinxEngineOptions,
    private readonly finals: SphinxRecogniser,
  ) {}

  static async start(options: SphinxEngineOptions = {}): Promise<SphinxEngine> {
    return new SphinxEngine(options, await SphinxRecogniser.start(options));
  }

  /** Requests waiting or running, in both recognisers. */
  get queued(): number {
    return this.finals.queued + (this.#partialRecogniser?.queued ?? 0);
  }

  async transcribe(
    request: TranscriptionRequest,
    signal: AbortSignal,
  ): Promise<TranscriptionResult> {
    if (request.purpose !== 'partial') return this.finals.transcribe(request, signal);
    if (this.#closed) throw new EngineUnavailableError('the offline engine is shut down');
    if (!this.#partials) {
      this.#partials = SphinxRecogniser.start(this.options);
      void this.#partials.then(
        (recogniser) => (this.#partialRecogniser = recogniser),
        () => (this.#partials = undefined), // try again with the next partial
      );
    }
    return (await this.#partials).transcribe(request, signal);
  }

  async close(): Promise<void> {
    this.#closed = true;
    const partials = this.#partials?.catch(() => undefined);
    await Promise.all([this.finals.close(), partials?.then((r) => r?.close())]);
  }
}

/**
 * One long-lived `pocketsphinx_batch` process: it loads the model once and reads its control
 * file from a named pipe: each utterance is written as a WAV into a private folder and its id
 * sent down the pipe; the recogniser prints `text (id score)` for it. Answers are matched by id,
 * so a lost answer times out alone; a dead recogniser is restarted for the next request.
 */
export class SphinxRecogniser {
  readonly #pending = new Map<string, Pending>();
  #process?: ChildProcessWithoutNullStreams;
  /** The recogniser's control file: a FIFO it reads utterance ids from. */
  #control?: WriteStream;
  #folder?: string;
  #nextId = 0;
  #closed = false;
  readonly #maxQueue: number;
  readonly #minTimeoutMs: number;

  private constructor(private readonly options: SphinxEngineOptions) {
    this.#maxQueue = options.maxQueue ?? 32;
    this.#minTimeoutMs = options.minTimeoutMs ?? 10_000;
  }

  static async start(options: SphinxEngineOptions = {}): Promise<SphinxRecogniser> {
    const availability = sphinxAvailability(options);
    if (!availability.available)
      throw new EngineUnavailableError(availability.reason ?? 'pocketsphinx missing');
    const engine = new SphinxRecogniser(options);
    engine.#folder = await mkdtemp(join(tmpdir(), 'whisperstream-sphinx-'));
    // Named pipes, not stdin/stdout: Node's stdio pipes are sockets, which /dev/stdin cannot reopen.
    const folder = engine.#folder;
    await promisify(execFile)('mkfifo', [
      '-m',
      '600',
      join(folder, 'control'),
      join(folder, 'answers'),
    ]);
    engine.#spawn();
    return engine;
  }

  get queued(): number {
    return this.#pending.size;
  }

  async transcribe(
    request: TranscriptionRequest,
    signal: AbortSignal,
  ): Promise<TranscriptionResult> {
    if (this.#closed) throw new EngineUnavailableError('the offline engine is shut down');
    if (signal.aborted)
      throw new EngineError('transcription_aborted', 'the transcription was cancelled', false);
    if (this.#pending.size >= this.#maxQueue) {
      throw new EngineError('engine_busy', 'the offline engine has too much queued work', true);
    }
    const id = `u${this.#nextId++}`;
    const file = join(this.#folder as string, `${id}.wav`);
    // The request holds its queue place from now on, so that the bound and cancellation hold
    // while its audio is being written.
    const answer = new Promise<TranscriptionResult>((resolve, reject) => {
      const onAbort = () =>
        this.#settle(
          id,
          new EngineError('transcription_aborted', 'the transcription was cancelled', false),
        );
      const timer = setTimeout(
        () => this.#settle(id, new EngineTimeoutError('the offline engine did not answer in time')),
        this.#minTimeoutMs + 3 * request.durationMs,
      );
      this.#pending.set(id, {
        id,
        file,
        resolve,
        reject,
        timer,
        cleanup: () => signal.removeEventListener('abort', onAbort),
      });
      signal.addEventListener('abort', onAbort, { once: true });
    });
    // It may settle (cancelled, shut down) before the caller awaits it.
    answer.catch(() => undefined);
    try {
      await writeFile(file, request.wav);
    } catch {
      this.#settle(id, new EngineUnavailableError('the offline engine could not take the audio'));
    }
    if (this.#pending.has(id) && !this.#closed) {
      if (!this.#process) this.#spawn();
      this.#control?.write(`${id}\n`);
    }
    return answer;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const id of [...this.#pending.keys()]) {
      this.#settle(id, new EngineUnavailableError('the offline engine is shutting down'));
    }
    const child = this.#process;
    this.#process = undefined;
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      this.#control?.end();
      const kill = setTimeout(() => child.kill('SIGKILL'), 2000);
      await exited;
      clearTimeout(kill);
    }
    if (this.#folder) await rm(this.#folder, { recursive: true, force: true });
  }

  #spawn(): ChildProcessWithoutNullStreams {
    const modelDir = this.options.modelDir ?? DEFAULT_SPHINX_MODEL_DIR;
    const child = spawn(
      this.options.command ?? SPHINX_COMMAND,
      [
        '-hmm',
        join(modelDir, 'en-us'),
        '-lm',
        join(modelDir, 'en-us.lm.bin'),
        '-dict',
        join(modelDir, 'cmudict-en-us.dict'),
        '-adcin',
        'yes',
        '-adchdr',
        '44',
        '-cepdir',
        this.#folder as string,
        '-cepext',
        '.wav',
        '-ctl',
        join(this.#folder as string, 'control'),
        '-hyp',
        join(this.#folder as string, 'answers'),
        '-logfn',
        process.env['SPHINX_DEBUG_LOG'] ?? '/dev/null',
      ],
      { stdio: ['pipe', 'pipe', 'pipe'] },
    );
    this.#process = child;
    child.stderr.resume();
    child.stdin.end();
    // Opening the FIFO for writing completes once the recogniser opens it for reading.
    this.#control = createWriteStream(join(this.#folder as string, 'control'));
    this.#control.on('error', () => undefined);
    child.stdout.resume();
    const answers = createReadStream(join(this.#folder as string, 'answers'));
    answers.on('error', () => undefined);
    createInterface({ input: answers }).on('line', (line) => {
      const match = /^(.*?)\s*\((u\d+)(?: -?\d+)?\)\s*$/.exec(line);
      if (match) this.#settle(match[2], { text: match[1].trim() });
    });
    const control = this.#control;
    child.once('exit', () => {
      if (this.#process === child) this.#process = undefined;
      control.destroy();
      answers.destroy();
      // Whatever it still had will never be answered by this process.
      for (const id of [...this.#pending.keys()]) {
        this.#settle(id, new EngineUnavailableError('the offline engine stopped unexpectedly'));
      }
    });
    child.once('error', () => undefined);
    return child;
  }

  #settle(id: string, outcome: TranscriptionResult | EngineError): void {
    const pending = this.#pending.get(id);
    if (!pending) return;
    this.#pending.delete(id);
    clearTimeout(pending.timer);
    pending.cleanup();
    void unlink(pending.file).catch(() => undefined);
    if (outcome instanceof EngineError) pending.reject(outcome);
    else pending.resolve(outcome);
  }
}
