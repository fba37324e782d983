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
import { WHISPER_SAMPLE_RATE, pcm16FromWav } from './wav-pcm';
import { WhisperModelError, WhisperModelInfo, inspectWhisperModel } from './whisper-model';
import { WhisperNativeModel, loadNativeModel, loadWhisperAddon } from './whisper-native';

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
  /** `close()` waits this long at most for a running request before giving up on freeing. */
  closeTimeoutMs?: number;
  logger?: Pick<Logger, 'warn'>;
}

/** whisper.cpp's languages (`g_lang`): ISO-639-1 codes plus `haw` and `yue`. */
export const WHISPER_LANGUAGES: ReadonlySet<string> = new Set(
  (
    'en zh de es ru ko fr ja pt tr pl ca nl ar sv it id hi fi vi he uk el ms cs ro da hu ta no ' +
    'th ur hr bg lt la mi ml cy sk te fa lv bn sr az sl kn et mk br eu is hy ne mn bs kk sq sw ' +
    'gl mr pa si km sn yo so af oc ka be tg sd gu am yi lo uz fo ht ps tk nn mt sa lb my bo tl ' +
    'mg as tt haw ln ha ba jw su yue'
  ).split(' '),
);

/** whisper.cpp transcribes nothing shorter than 100 ms. */
const MIN_SAMPLES = WHISPER_SAMPLE_RATE / 10;
const LABEL = 'the local Whisper engine';

/**
 * whisper.cpp inside the server process (see `whisper-native.ts` for the binding): one model,
 * loaded once and shared by every session. Inference runs on a libuv worker thread and
 * whisper.cpp's compute threads, never on the event loop. Requests run one at a time (the
 * binding must never run two at once on a model) behind a bounded queue; a running request
 * cannot be stopped, so an abort or a timeout answers its caller and the request runs out.
 */
export class WhisperEngine implements TranscriptionEngine {
  readonly info: EngineInfo;
  readonly paid = false;
  readonly #queue: SerialQueue;
  readonly #threads: number;
  readonly #minTimeoutMs: number;
  readonly #closeTimeoutMs: number;
  #closing?: Promise<void>;

  private constructor(
    readonly model: WhisperModelInfo,
    private readonly native: WhisperNativeModel,
    options: WhisperEngineOptions,
    private readonly logger: Pick<Logger, 'warn'>,
  ) {
    this.info = { id: 'whisper', model: model.name };
    this.#threads = options.threads ?? Math.min(8, availableParallelism());
    this.#minTimeoutMs = options.minTimeoutMs ?? 30_000;
    this.#closeTimeoutMs = options.closeTimeoutMs ?? 10_000;
    this.#queue = new SerialQueue({ maxWaiting: options.maxQueue ?? 8, label: LABEL });
  }

  /**
   * Checks the model file's structure, then loads it with whisper.cpp. Fails with a
   * `WhisperModelError` for a missing, foreign, truncated or corrupt file (before whisper.cpp
   * reads it), and with an `EngineUnavailableError` if no binding loads on this machine.
   * The native load is synchronous: the event loop waits while it reads the weights.
   */
  static async load(options: WhisperEngineOptions): Promise<WhisperEngine> {
    const model = await inspectWhisperModel(options.modelPath);
    try {
      loadWhisperAddon();
    } catch (error) {
      throw new EngineUnavailableError(
        `the whisper.cpp binding is not available: ${(error as Error).message}`,
      );
    }
    let native: WhisperNativeModel;
    try {
      native = loadNativeModel(model.path);
    } catch (error) {
      throw new WhisperModelError(
        'corrupt',
        model.path,
        `could not be loaded by whisper.cpp (${(error as Error).message})`,
      );
    }
    const logger = options.logger ?? new Logger(WhisperEngine.name);
    if (model.multilingual) {
      logger.warn(
        `${model.name} is multilingual but this binding cannot detect the language: requests without one are transcribed as English`,
      );
    }
    return new WhisperEngine(model, native, options, logger);
  }

  /** Requests waiting behind the running one. */
  get queued(): number {
    return this.#queue.waiting;
  }

  async transcribe(
    request: TranscriptionRequest,
    signal: AbortSignal,
  ): Promise<TranscriptionResult> {
    if (this.#closing) throw new EngineUnavailableError(`${LABEL} is shut down`);
    const language = this.#language(request.language);
    const pcm = pcm16FromWav(request.wav);
    const pcm16 = new Int16Array(pcm.samples);
    // Given nothing the binding answers with the previous request's text: never ask it.
    if (pcm16.length < MIN_SAMPLES) return { text: '', language };
    const samples = Float32Array.from(pcm16, (sample) => sample / 32768);
    const text = await this.#queue.run(
      () => this.native.transcribe(samples, { language, threads: this.#threads }),
      {
        signal,
        timeoutMs: this.#minTimeoutMs + 5 * pcm.durationMs,
        // A final waits ahead of partial results (of other sessions: a session's own partial
        // is cancelled when its final comes).
        urgent: request.purpose !== 'partial',
      },
    );
    return { text: text.trim(), language };
  }

  /**
   * Fails what is queued or running, waits (bounded) for a running request to end, then frees
   * the model. Idempotent; every call resolves when the first is done.
   */
  close(): Promise<void> {
    this.#closing ??= this.#close();
    return this.#closing;
  }

  async #close(): Promise<void> {
    this.#queue.close(new EngineUnavailableError(`${LABEL} is shutting down`));
    let timer: NodeJS.Timeout | undefined;
    const gaveUp = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), this.#closeTimeoutMs);
    });
    const stuck = await Promise.race([this.#queue.idle().then(() => false), gaveUp]);
    clearTimeout(timer);
    if (stuck) {
      // Freeing the model under a running request would crash the process; leave it.
      this.logger.warn('a Whisper request is still running at shutdown; the model is not freed');
      return;
    }
    this.native.free();
  }

  /** ISO-639-1 or nothing (which means English: the binding cannot detect the language). */
  #language(requested: string | undefined): string {
    if (!requested || requested === 'auto') return 'en';
    const code = requested.toLowerCase();
    if (!WHISPER_LANGUAGES.has(code)) {
      throw new EngineRejectedError(`${LABEL} does not know the language "${requested}"`);
    }
    if (!this.model.multilingual && code !== 'en') {
      throw new EngineRejectedError(
        `the Whisper model ${this.model.name} only transcribes English; use a multilingual model for "${code}"`,
      );
    }
    return code;
  }
}
