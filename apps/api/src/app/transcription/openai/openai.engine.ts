import OpenAI, { toFile } from 'openai';
import type { EngineInfo } from '@whisperstream/shared-types';
import {
  asEngineError,
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
  readonly paid = true;
  readonly #client: OpenAI;
  /**
   * Whisper models answer `verbose_json`: the language heard and, per segment, how likely it
   * was no speech at all. Newer models (gpt-4o-transcribe, ...) only answer `json`.
   */
  readonly #verbose: boolean;

  constructor(private readonly options: OpenAiEngineOptions) {
    this.info = { id: 'openai', model: options.model };
    this.#verbose = /whisper/i.test(options.model);
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
      const params = {
        file,
        model: this.options.model,
        ...(request.language ? { language: request.language } : {}),
      };
      if (!this.#verbose) {
        const result = await this.#client.audio.transcriptions.create(
          { ...params, response_format: 'json' },
          { signal },
        );
        return { text: result.text.trim() };
      }
      const result = await this.#client.audio.transcriptions.create(
        { ...params, response_format: 'verbose_json' },
        { signal },
      );
      return fromVerbose(result);
    } catch (error) {
      throw toEngineError(error);
    }
  }
}

/** Whisper's own rule for a segment that is silence: likely no speech and a doubtful text. */
export const NO_SPEECH_PROB = 0.6;
export const NO_SPEECH_LOGPROB = -1;

/**
 * The text of a `verbose_json` answer without the segments Whisper itself scored as no speech
 * (the rule whisper's `transcribe()` applies when it decodes on its own).
 */
export function fromVerbose(result: {
  text: string;
  language?: string;
  segments?: Array<{ text: string; no_speech_prob: number; avg_logprob: number }>;
}): TranscriptionResult {
  const language = result.language || undefined;
  if (!result.segments || result.segments.length === 0) {
    return { text: result.text.trim(), language };
  }
  const speech = result.segments.filter(
    (s) => !(s.no_speech_prob > NO_SPEECH_PROB && s.avg_logprob < NO_SPEECH_LOGPROB),
  );
  const dropped = result.segments.length - speech.length;
  const text = dropped === 0 ? result.text : speech.map((s) => s.text).join('');
  return { text: text.trim(), language, ...(dropped > 0 ? { noSpeechSegments: dropped } : {}) };
}

/** Maps the SDK's errors (after its own retries) to named engine errors. */
export function toEngineError(error: unknown): EngineError {
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
  return asEngineError(error);
}
