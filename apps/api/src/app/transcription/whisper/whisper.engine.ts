import { availableParallelism } from 'node:os';
import { Logger } from '@nestjs/common';
import type { EngineInfo } from '@whisperstream/shared-types';
import {
  EngineRejectedError,
  EngineUnavailableError,
  TranscriptionEngine,
  TranscriptionRequest,
  TranscriptionResult,
} from '../engine';
import { SerialQueue } from './serial-queue';
import { pcm16FromWav } from './wav-pcm';
import { WhisperContext, attachNativeLog, loadWhisperBinding } from './whisper-native';
import { WhisperModelError, WhisperModelInfo, inspectWhisperModel } from './whisper-model';

export { WhisperModelError, resolveWhisperModel } from './whisper-model';

export interface WhisperEngineOptions {
  /** A whisper.cpp ggml model file (see `resolveWhisperModel`). */
  modelPath: string;
  /** whisper.cpp compute threads per request. Default: the cores, at most 8. */
  threads?: number;
  /** Requests allowed to wait behind the running one; past that, `engine_busy`. Default 8. */
  maxQueue?: number;
  /** A request may run this long plus 5x its audio's duration. Default 30 s. */
  minTimeoutMs?: number;
  /** Where whisper.cpp's warnings and errors go (its chatter is dropped). */
  logger?: Pick<Logger, 'warn' | 'error'>;
}

/** whisper.cpp's languages (`g_lang`), by ISO-639-1 code (plus `haw` and `yue`). */
export const WHISPER_LANGUAGES: ReadonlySet<string> = new Set(
  (
    'en zh de es ru ko fr ja pt tr pl ca nl ar sv it id hi fi vi he uk el ms cs ro da hu ta no ' +
    'th ur hr bg lt la mi ml cy sk te fa lv bn sr az sl kn et mk br eu is hy ne mn bs kk sq sw ' +
    'gl mr pa si km sn yo so af oc ka be tg sd gu am yi lo uz fo ht ps tk nn mt sa lb my bo tl ' +
    'mg as tt haw ln ha ba jw su yue'
  ).split(' '),
);

const LABEL = 'the local Whisper engine';

/**
 * whisper.cpp inside the server process through `@fugood/whisper.node`: one model, loaded
 * once and shared by every session. Inference runs on a libuv worker thread (the binding's
 * N-API AsyncWorker) and whisper.cpp's own compute threads, never on the event loop; requests
 * run one at a time (they would serialise on the model's lock anyway, each holding a libuv
 * thread while waiting) behind a bounded queue.
 *
 * The binding never settles a transcription that fails natively (its error callback passes one
 * argument where its promise wrapper waits for two), and its `stop()` ends that way too, so:
 * inputs that whisper.cpp rejects are refused here first, a running request is never stopped
 * (an abort answers its caller and lets it finish), and every run has a deadline.
 */
export class WhisperEngine implements TranscriptionEngine {
  readonly info: EngineInfo;
  readonly #queue: SerialQueue;
  readonly #threads: number;
  readonly #minTimeoutMs: number;
  #closed = false;

  private constructor(
    readonly model: WhisperModelInfo,
    private readonly context: WhisperContext,
    options: WhisperEngineOptions,
    private readonly detachLog: () => void,
  ) {
    this.info = { id: 'whisper', model: model.name };
    this.#threads = options.threads ?? Math.min(8, availableParallelism());
    this.#minTimeoutMs = options.minTimeoutMs ?? 30_000;
    this.#queue = new SerialQueue({ maxWaiting: options.maxQueue ?? 8, label: LABEL });
  }

  /**
   * Checks the model file's structure, then loads it with whisper.cpp. Fails with a
   * `WhisperModelError` for a missing, foreign, truncated or corrupt file, and with an
   * `EngineUnavailableError` if the native binding cannot be loaded on this machine.
   * The native load itself is synchronous: it holds the event loop while it reads the weights.
   */
  static async load(options: WhisperEngineOptions): Promise<WhisperEngine> {
    const model = await inspectWhisperModel(options.modelPath);
    let whisper;
    try {
      whisper = loadWhisperBinding();
    } catch (error) {
      throw new EngineUnavailableError(
        `the whisper.cpp binding cannot be loaded here: ${(error as Error).message}`,
      );
    }
    const logger = options.logger ?? new Logger(WhisperEngine.name);
    // Warnings and errors only: whisper.cpp's info lines are load-time chatter.
    const detachLog = attachNativeLog(whisper, (level, text) => {
      const line = text.trim();
      if (line && level === 'error') logger.error(`whisper.cpp: ${line}`);
      else if (line && level === 'warn') logger.warn(`whisper.cpp: ${line}`);
    });
    try {
      const context = new whisper.WhisperContext({ filePath: model.path, useGpu: false });
      return new WhisperEngine(model, context, options, detachLog);
    } catch (error) {
      detachLog();
      throw new WhisperModelError(
        'corrupt',
        model.path,
        `could not be loaded by whisper.cpp (${error instanceof Error ? error.message : String(error)})`,
      );
    }
  }

  /** Requests waiting behind the running one. */
  get queued(): number {
    return this.#queue.waiting;
  }

  async transcribe(
    request: TranscriptionRequest,
    signal: AbortSignal,
  ): Promise<TranscriptionResult> {
    if (this.#closed) throw new EngineUnavailableError(`${LABEL} is shut down`);
    const language = this.#language(request.language);
    const { samples, durationMs } = pcm16FromWav(request.wav);
    const result = await this.#queue.run(
      async () => {
        const { promise } = this.context.transcribeData(samples, {
          language,
          maxThreads: this.#threads,
        });
        return promise;
      },
      { signal, timeoutMs: this.#minTimeoutMs + 5 * durationMs },
    );
    return {
      text: result.result.trim(),
      ...(result.language ? { language: result.language } : {}),
    };
  }

  /** Fails what is queued or running, then frees the model. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#queue.close(new EngineUnavailableError(`${LABEL} is shutting down`));
    try {
      // A request still running natively keeps its own reference; the model goes with it.
      await this.context.release();
    } finally {
      this.detachLog();
    }
  }

  /** ISO-639-1 or nothing (auto-detect on a multilingual model, English on an `.en` one). */
  #language(requested: string | undefined): string {
    const multilingual = this.model.multilingual;
    if (!requested || requested === 'auto') return multilingual ? 'auto' : 'en';
    const code = requested.toLowerCase();
    if (!WHISPER_LANGUAGES.has(code)) {
      throw new EngineRejectedError(`${LABEL} does not know the language "${requested}"`);
    }
    if (!multilingual && code !== 'en') {
      throw new EngineRejectedError(
        `the Whisper model ${this.model.name} only transcribes English; use a multilingual model for "${code}"`,
      );
    }
    return code;
  }
}
