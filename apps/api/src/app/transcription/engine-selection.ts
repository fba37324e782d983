import type { Env } from '../config/config.schema';
import type { TranscriptionEngine } from './engine';
import { OpenAiEngine } from './openai/openai.engine';

export interface EngineChoice {
  engine: TranscriptionEngine | null;
  /** Why no engine is usable, in words a person can act on. */
  reason?: string;
}

/** `TRANSCRIPTION_ENGINE`: an engine by name, or `auto` for the first one that is usable. */
export function chooseEngine(config: Env): EngineChoice {
  const openAiConfigured = Boolean(config.OPENAI_API_KEY || config.OPENAI_BASE_URL);
  if (
    config.TRANSCRIPTION_ENGINE === 'openai' ||
    (config.TRANSCRIPTION_ENGINE === 'auto' && openAiConfigured)
  ) {
    return {
      engine: new OpenAiEngine({
        apiKey: config.OPENAI_API_KEY,
        baseURL: config.OPENAI_BASE_URL,
        model: config.OPENAI_TRANSCRIPTION_MODEL,
        timeoutMs: config.OPENAI_TIMEOUT_MS,
        maxRetries: config.OPENAI_MAX_RETRIES,
      }),
    };
  }
  return {
    engine: null,
    reason:
      'no transcription engine is configured: set OPENAI_API_KEY (or OPENAI_BASE_URL for an OpenAI-compatible server)',
  };
}
