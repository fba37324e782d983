import type { EngineInfo } from '@whisperstream/shared-types';

export interface TranscriptionRequest {
  /** A complete 16 kHz mono PCM16 WAV file. */
  wav: Buffer;
  durationMs: number;
  /** ISO-639-1, or undefined to let the engine detect it. */
  language?: string;
  /** A partial result of an utterance still growing, or (default) its final text. */
  purpose?: 'final' | 'partial';
  /** Whose utterance it is, for logs (an engine worker in cluster mode names it). */
  context?: { sessionId: string; segmentId: number };
}

export interface TranscriptionResult {
  text: string;
  /** The language the engine heard or used (ISO-639-1 or a Whisper language name). */
  language?: string;
  /** Pieces the engine itself scored as no speech, left out of `text`. */
  noSpeechSegments?: number;
}

/** A speech-to-text engine. One folder per engine implements it. */
export interface TranscriptionEngine {
  readonly info: EngineInfo;
  /**
   * Every call is billed (a paid API): partial results, which call again and again while a
   * person speaks, are off by default for such an engine (`PARTIALS=auto`).
   */
  readonly paid: boolean;
  transcribe(request: TranscriptionRequest, signal: AbortSignal): Promise<TranscriptionResult>;
  /** Frees what the engine holds (a process, a model); called once at shutdown. */
  close?(): Promise<void>;
}

/** DI token for the engine in use (chosen at boot from the configuration). */
export const TRANSCRIPTION_ENGINE = Symbol('TRANSCRIPTION_ENGINE');

/** An engine failure, named, saying whether trying again later may work. */
export class EngineError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly retryable: boolean,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

/**
 * Any failure of an engine call as an EngineError: engines throw their own named errors (each
 * maps its library's errors in its folder); anything else is an unnamed, retryable failure.
 */
export function asEngineError(error: unknown): EngineError {
  if (error instanceof EngineError) return error;
  return new EngineError('engine_failed', 'the transcription engine failed', true);
}

export class EngineUnavailableError extends EngineError {
  constructor(message: string) {
    super('engine_unavailable', message, true);
    this.name = 'EngineUnavailableError';
  }
}

export class EngineTimeoutError extends EngineError {
  constructor(message: string) {
    super('engine_timeout', message, true);
    this.name = 'EngineTimeoutError';
  }
}

export class EngineRejectedError extends EngineError {
  constructor(message: string) {
    super('engine_rejected', message, false);
    this.name = 'EngineRejectedError';
  }
}
