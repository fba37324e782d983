import OpenAI, { toFile } from 'openai';
import type { EngineInfo } from '@whisperstream/shared-types';
import {
  EngineError,
  EngineRejectedError,
  EngineTimeoutError,
  EngineUnavailableError,
  TranscriptionEngine,
  TranscriptionRequest,
  TranscriptionResult,
} from '../engine';

export interface OpenAiEngineOptions {
  apiKey?: string;
  baseURL?: string;
  model: string;
  timeoutMs: number;
  maxRetries: number;
}

/**
 * The OpenAI transcription API (or any OpenAI-compatible server) through the official SDK.
 * The WAV is a Buffer, so the SDK can resend it on its own retries; there is no retry loop
 * here on top of the SDK's.
 */
export class OpenAiEngine implements TranscriptionEngine {
  readonly info: EngineInfo;
  readonly #client: OpenAI;

  constructor(private readonly options: OpenAiEngineOptions) {
    this.info = { id: 'openai', model: options.model };
    this.#client = new OpenAI({
      // An OpenAI-compatible server often needs no key; the SDK insists on one.
      apiKey: options.apiKey ?? 'no-key',
      baseURL: options.baseURL,
      timeout: options.timeoutMs,
      maxRetries: options.maxRetries,
    });
  }

  async transcribe(
    request: TranscriptionRequest,
    signal: AbortSignal,
  ): Promise<TranscriptionResult> {
    try {
      const file = await toFile(request.wav, 'utterance.wav', { type: 'audio/wav' });
      const result = await this.#client.audio.transcriptions.create(
        {
          file,
          model: this.options.model,
          ...(request.language ? { language: request.language } : {}),
          response_format: 'json',
        },
        { signal },
      );
      return { text: result.text.trim() };
    } catch (error) {
      throw toEngineError(error);
    }
  }
}

/** Maps the SDK's errors (after its own retries) to named engine errors. */
export function toEngineError(error: unknown): EngineError {
  if (error instanceof EngineError) return error;
  if (error instanceof OpenAI.APIUserAbortError) {
    return new EngineError('transcription_aborted', 'the transcription was cancelled', false);
  }
  if (error instanceof OpenAI.APIConnectionTimeoutError) {
    return new EngineTimeoutError('the transcription engine did not answer in time');
  }
  if (error instanceof OpenAI.APIConnectionError) {
    return new EngineUnavailableError('the transcription engine cannot be reached');
  }
  if (error instanceof OpenAI.RateLimitError) {
    return new EngineError(
      'engine_rate_limited',
      'the transcription engine is rate limiting us',
      true,
    );
  }
  if (
    error instanceof OpenAI.AuthenticationError ||
    error instanceof OpenAI.PermissionDeniedError
  ) {
    return new EngineError(
      'engine_auth_failed',
      'the transcription engine refused our credentials',
      false,
    );
  }
  if (error instanceof OpenAI.APIError) {
    const status = error.status ?? 0;
    if (status >= 500 || status === 408 || status === 409) {
      return new EngineUnavailableError(`the transcription engine failed (HTTP ${status})`);
    }
    return new EngineRejectedError(`the transcription engine refused the audio (HTTP ${status})`);
  }
  return new EngineError('engine_failed', 'the transcription engine failed', true);
}
