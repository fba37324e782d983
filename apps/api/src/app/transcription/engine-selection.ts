import { ConfigError, type Env } from '../config/config.schema';
import type { TranscriptionEngine } from './engine';
import { OpenAiEngine } from './openai/openai.engine';
import { SphinxEngine, sphinxAvailability } from './sphinx/sphinx.engine';

export interface EngineChoice {
  engine: TranscriptionEngine | null;
  /** Why no engine is usable, in words a person can act on. */
  reason?: string;
}

/** The local engines, for tests to replace. */
export interface EngineLoaders {
  sphinx: {
    availability: (modelDir: string) => { available: boolean; reason?: string };
    start: (modelDir: string) => Promise<TranscriptionEngine>;
  };
}

const DEFAULT_LOADERS: EngineLoaders = {
  sphinx: {
    availability: (modelDir) => sphinxAvailability({ modelDir }),
    start: (modelDir) => SphinxEngine.start({ modelDir }),
  },
};

export const NO_ENGINE_REASON =
  'no transcription engine is usable: set OPENAI_API_KEY (or OPENAI_BASE_URL for an ' +
  'OpenAI-compatible server), or install the offline engine with ' +
  '`apt-get install pocketsphinx pocketsphinx-en-us`';

/**
 * `TRANSCRIPTION_ENGINE`: an engine by name (it must be usable, or the start fails with the
 * reason), or `auto`: the OpenAI engine when a key or base URL is set, else the offline engine
 * when it is installed, else none (the server starts; `/readyz` says why it is not ready).
 */
export async function chooseEngine(
  config: Env,
  loaders: EngineLoaders = DEFAULT_LOADERS,
): Promise<EngineChoice> {
  const wanted = config.TRANSCRIPTION_ENGINE;
  const openAiConfigured = Boolean(config.OPENAI_API_KEY || config.OPENAI_BASE_URL);
  if (wanted === 'openai' || (wanted === 'auto' && openAiConfigured)) {
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
  if (wanted === 'sphinx' || wanted === 'auto') {
    const availability = loaders.sphinx.availability(config.SPHINX_MODEL_DIR);
    if (availability.available)
      return { engine: await loaders.sphinx.start(config.SPHINX_MODEL_DIR) };
    if (wanted === 'sphinx') {
      throw new ConfigError([
        `TRANSCRIPTION_ENGINE: "sphinx" is not usable: ${availability.reason ?? 'missing'}`,
      ]);
    }
  }
  return { engine: null, reason: NO_ENGINE_REASON };
}
