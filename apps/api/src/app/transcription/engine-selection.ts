import { existsSync } from 'node:fs';
import { ConfigError, type Env } from '../config/config.schema';
import { EngineUnavailableError, type TranscriptionEngine } from './engine';
import { OpenAiEngine } from './openai/openai.engine';
import { SphinxEngine, sphinxAvailability } from './sphinx/sphinx.engine';
import { WhisperEngine } from './whisper/whisper.engine';
import { resolveWhisperModel, WhisperModelError } from './whisper/whisper-model';

export interface EngineChoice {
  engine: TranscriptionEngine | null;
  /** Why no engine is usable, in words a person can act on. */
  reason?: string;
  /**
   * For an engine that can stop being usable after the start (engine workers in cluster mode,
   * which come and go): why it is not usable now, or undefined when it is.
   */
  notReadyReason?: () => string | undefined;
}

/** The local engines, for tests to replace. */
export interface EngineLoaders {
  whisper: {
    /** Whether a model file is at the path (its contents are checked when it loads). */
    present: (modelPath: string) => boolean;
    load: (modelPath: string, threads?: number) => Promise<TranscriptionEngine>;
  };
  sphinx: {
    availability: (modelDir: string) => { available: boolean; reason?: string };
    start: (modelDir: string) => Promise<TranscriptionEngine>;
  };
}

const DEFAULT_LOADERS: EngineLoaders = {
  whisper: {
    present: (modelPath) => existsSync(modelPath),
    load: (modelPath, threads) => WhisperEngine.load({ modelPath, threads }),
  },
  sphinx: {
    availability: (modelDir) => sphinxAvailability({ modelDir }),
    start: (modelDir) => SphinxEngine.start({ modelDir }),
  },
};

export const NO_ENGINE_REASON =
  'no transcription engine is usable: set OPENAI_API_KEY (or OPENAI_BASE_URL for an ' +
  'OpenAI-compatible server), or download a Whisper model with `npm run model:download -- base.en`, ' +
  'or install the offline engine with `apt-get install pocketsphinx pocketsphinx-en-us`';

/**
 * `TRANSCRIPTION_ENGINE`: an engine by name (it must be usable, or the start fails with the
 * reason), or `auto`: the OpenAI engine when a key or base URL is set, else the local Whisper
 * engine when its model file is there, else the offline pocketsphinx engine when it is
 * installed, else none (the server starts; `/readyz` says why it is not ready). A model file
 * that is there but broken stops the start with the reason.
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
  let skipped: string | undefined;
  if (wanted === 'whisper' || wanted === 'auto') {
    const modelPath = resolveWhisperModel(config.WHISPER_MODEL, config.WHISPER_MODELS_DIR);
    if (loaders.whisper.present(modelPath)) {
      try {
        return { engine: await loaders.whisper.load(modelPath, config.WHISPER_THREADS) };
      } catch (error) {
        if (error instanceof WhisperModelError)
          throw new ConfigError([`WHISPER_MODEL: ${error.message}`]);
        // A model is there but whisper.cpp cannot run on this machine (no binding for the
        // platform): asked for by name, a clear refusal; in `auto`, the next engine is tried.
        if (!(error instanceof EngineUnavailableError)) throw error;
        if (wanted === 'whisper') {
          throw new ConfigError([
            `TRANSCRIPTION_ENGINE: "whisper" cannot run here: ${error.message}; use the OpenAI engine (OPENAI_API_KEY or OPENAI_BASE_URL) or TRANSCRIPTION_ENGINE=sphinx`,
          ]);
        }
        skipped = `the Whisper model is in ${config.WHISPER_MODELS_DIR}/ but ${error.message}`;
      }
    }
    if (wanted === 'whisper' && skipped === undefined) {
      const isName = modelPath !== config.WHISPER_MODEL;
      throw new ConfigError([
        isName
          ? `WHISPER_MODEL: no model at ${modelPath}; download it with \`npm run model:download -- ${config.WHISPER_MODEL}\``
          : `WHISPER_MODEL: no model file at ${modelPath}; give a ggml model file or a name such as base.en`,
      ]);
    }
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
  return { engine: null, reason: skipped ? `${NO_ENGINE_REASON} (${skipped})` : NO_ENGINE_REASON };
}
