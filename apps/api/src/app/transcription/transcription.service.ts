import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import type {
  EngineInfo,
  TranscriptEventInit,
  TranscriptionMetricsJson,
} from '@whisperstream/shared-types';
import { AppConfig } from '../config/app-config';
import { Semaphore } from '../common/semaphore';
import { ApiError } from '../common/api-error';
import { TRANSCRIPTION_ENGINE } from './engine';
import type { EngineChoice } from './engine-selection';
import { SessionTranscriber } from './session-transcriber';
import { TranscriptionMetrics } from './transcription-metrics';

/** Engines billed per request: partials multiply the cost, so `PARTIALS=auto` leaves them off. */

/** Owns the engine in use and the limit on engine calls across all sessions. */
@Injectable()
export class TranscriptionService implements OnApplicationShutdown {
  readonly #logger = new Logger(TranscriptionService.name);
  readonly #globalSlots: Semaphore;
  readonly metrics = new TranscriptionMetrics();

  constructor(
    private readonly config: AppConfig,
    @Inject(TRANSCRIPTION_ENGINE) private readonly choice: EngineChoice,
  ) {
    this.#globalSlots = new Semaphore(config.TRANSCRIPTION_CONCURRENCY);
    if (choice.engine) {
      this.#logger.log({
        msg: 'transcription engine chosen',
        engine: choice.engine.info,
        partials: this.partialsEnabled,
      });
    } else {
      this.#logger.warn({ msg: 'no transcription engine usable', reason: choice.reason });
    }
  }

  /** After every session has closed: the engine frees what it holds (processes, models). */
  async onApplicationShutdown(): Promise<void> {
    await this.choice.engine?.close?.();
  }

  /** The engine in use; null while none is usable (in cluster mode: no engine worker alive). */
  get engineInfo(): EngineInfo | null {
    return this.notReadyReason === undefined ? (this.choice.engine?.info ?? null) : null;
  }

  get notReadyReason(): string | undefined {
    return this.choice.engine ? this.choice.notReadyReason?.() : this.choice.reason;
  }

  /** `PARTIALS=auto`: on for local engines, off for paid APIs. */
  get partialsEnabled(): boolean {
    const setting = this.config.PARTIALS;
    if (setting !== 'auto') return setting === 'on';
    const engine = this.choice.engine;
    return engine !== null && engine !== undefined && !engine.paid;
  }

  metricsSnapshot(): TranscriptionMetricsJson {
    return {
      engine: this.choice.engine?.info.id ?? null,
      partials: this.partialsEnabled,
      ...this.metrics.snapshot(),
    };
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
    const notReady = this.notReadyReason;
    if (!engine || notReady) {
      throw new ApiError(503, 'no_engine', notReady ?? 'no transcription engine');
    }
    return new SessionTranscriber({
      engine,
      language,
      sessionSlots: new Semaphore(this.config.SESSION_TRANSCRIPTION_CONCURRENCY),
      globalSlots: this.#globalSlots,
      publish,
      logger: this.#logger,
      sessionId,
      partials: this.partialsEnabled ? { intervalMs: this.config.PARTIAL_INTERVAL_MS } : undefined,
      // Only a VAD measures speech; with fixed chunks `speechMs` is unknown and nothing is held back.
      minSpeechMs: this.config.VAD_MIN_SPEECH_MS,
      metrics: this.metrics,
    });
  }
}
