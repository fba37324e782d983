import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type { EngineInfo, TranscriptEventInit } from '@whisperstream/shared-types';
import { AppConfig } from '../config/app-config';
import { Semaphore } from '../common/semaphore';
import { ApiError } from '../common/api-error';
import { TRANSCRIPTION_ENGINE } from './engine';
import type { EngineChoice } from './engine-selection';
import { SessionTranscriber } from './session-transcriber';

/** Owns the engine in use and the limit on engine calls across all sessions. */
@Injectable()
export class TranscriptionService implements OnApplicationShutdown {
  readonly #logger = new Logger(TranscriptionService.name);
  readonly #globalSlots: Semaphore;

  constructor(
    private readonly config: AppConfig,
    @Inject(TRANSCRIPTION_ENGINE) private readonly choice: EngineChoice,
  ) {
    this.#globalSlots = new Semaphore(config.TRANSCRIPTION_CONCURRENCY);
    if (choice.engine) {
      this.#logger.log({ msg: 'transcription engine chosen', engine: choice.engine.info });
    } else {
      this.#logger.warn({ msg: 'no transcription engine usable', reason: choice.reason });
    }
  }

  /** After every session has closed: the engine frees what it holds (processes, models). */
  async onApplicationShutdown(): Promise<void> {
    await this.choice.engine?.close?.();
  }

  get engineInfo(): EngineInfo | null {
    return this.choice.engine?.info ?? null;
  }

  get notReadyReason(): string | undefined {
    return this.choice.engine ? undefined : this.choice.reason;
  }

  get inFlight(): number {
    return this.#globalSlots.inUse;
  }

  /** A transcriber for one session; throws a 503 when no engine is usable. */
  createTranscriber(
    sessionId: string,
    language: string | undefined,
    publish: (event: TranscriptEventInit) => void,
  ): SessionTranscriber {
    const engine = this.choice.engine;
    if (!engine) {
      throw new ApiError(503, 'no_engine', this.choice.reason ?? 'no transcription engine');
    }
    return new SessionTranscriber({
      engine,
      language,
      sessionSlots: new Semaphore(this.config.SESSION_TRANSCRIPTION_CONCURRENCY),
      globalSlots: this.#globalSlots,
      publish,
      logger: this.#logger,
      sessionId,
    });
  }
}
