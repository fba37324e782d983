import { ConfigError, loadConfig } from '../config/config.schema';
import { EngineUnavailableError, type TranscriptionEngine } from './engine';
import { chooseEngine, EngineLoaders } from './engine-selection';
import { WhisperModelError } from './whisper/whisper-model';

const offline: TranscriptionEngine = {
  info: { id: 'sphinx', model: 'pocketsphinx-en-us' },
  paid: false,
  transcribe: () => Promise.resolve({ text: '' }),
};

const whisper: TranscriptionEngine = {
  info: { id: 'whisper', model: 'base.en' },
  paid: false,
  transcribe: () => Promise.resolve({ text: '' }),
};

function loaders(
  sphinxInstalled: boolean,
  whisperModel: 'none' | 'good' | 'broken' | 'no-binding' = 'none',
): EngineLoaders & { started: string[] } {
  const started: string[] = [];
  return {
    started,
    whisper: {
      present: () => whisperModel !== 'none',
      load: (modelPath) => {
        started.push(modelPath);
        if (whisperModel === 'good') return Promise.resolve(whisper);
        if (whisperModel === 'no-binding') {
          return Promise.reject(
            new EngineUnavailableError(
              'the whisper.cpp binding is not available: no prebuilt whisper.cpp binding for darwin-arm64',
            ),
          );
        }
        return Promise.reject(new WhisperModelError('truncated', modelPath, 'is truncated'));
      },
    },
    sphinx: {
      availability: () =>
        sphinxInstalled
          ? { available: true }
          : { available: false, reason: 'pocketsphinx_batch is not installed' },
      start: (modelDir) => {
        started.push(modelDir);
        return Promise.resolve(offline);
      },
    },
  };
}

describe(chooseEngine.name, () => {
  it('auto: picks the OpenAI engine when a key is set, even with the offline engine installed', async () => {
    const choice = await chooseEngine(
      loadConfig({ OPENAI_API_KEY: 'k', OPENAI_TRANSCRIPTION_MODEL: 'm' }),
      loaders(true),
    );
    expect(choice.engine?.info).toEqual({ id: 'openai', model: 'm' });
  });

  it('auto: picks the OpenAI engine for an OpenAI-compatible base URL without a key', async () => {
    const choice = await chooseEngine(
      loadConfig({ OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' }),
      loaders(false),
    );
    expect(choice.engine?.info.id).toBe('openai');
  });

  it('auto: picks local Whisper when its model is there, before the offline engine', async () => {
    const available = loaders(true, 'good');
    const choice = await chooseEngine(loadConfig({ WHISPER_MODEL: 'tiny.en' }), available);
    expect(choice.engine?.info.id).toBe('whisper');
    expect(available.started).toEqual(['models/ggml-tiny.en.bin']);
  });

  it('auto: a Whisper model that is there but broken stops the start, saying why', async () => {
    await expect(chooseEngine(loadConfig({}), loaders(true, 'broken'))).rejects.toThrow(
      /WHISPER_MODEL.*truncated/,
    );
  });

  it('auto: a model with no whisper.cpp binding for the platform falls back, saying why', async () => {
    const withSphinx = await chooseEngine(loadConfig({}), loaders(true, 'no-binding'));
    expect(withSphinx.engine).toBe(offline);
    const without = await chooseEngine(loadConfig({}), loaders(false, 'no-binding'));
    expect(without.engine).toBeNull();
    expect(without.reason).toMatch(/no prebuilt whisper\.cpp binding for darwin-arm64/);
  });

  it('by name: whisper with no binding for the platform stops the start with advice, not a stack', async () => {
    const choice = chooseEngine(
      loadConfig({ TRANSCRIPTION_ENGINE: 'whisper' }),
      loaders(true, 'no-binding'),
    );
    await expect(choice).rejects.toThrow(ConfigError);
    await expect(choice).rejects.toThrow(/cannot run here: .*darwin-arm64.*OPENAI_API_KEY/);
  });

  it('by name: whisper without a model says how to download one', async () => {
    await expect(
      chooseEngine(loadConfig({ TRANSCRIPTION_ENGINE: 'whisper' }), loaders(true)),
    ).rejects.toThrow(/npm run model:download -- base.en/);
  });

  it('auto: falls back to the offline engine when it is installed', async () => {
    const available = loaders(true);
    const choice = await chooseEngine(loadConfig({ SPHINX_MODEL_DIR: '/models/en' }), available);
    expect(choice.engine?.info.id).toBe('sphinx');
    expect(available.started).toEqual(['/models/en']);
  });

  it('auto: with nothing usable, no engine and a reason that says what to do', async () => {
    const choice = await chooseEngine(loadConfig({}), loaders(false));
    expect(choice.engine).toBeNull();
    expect(choice.reason).toMatch(/OPENAI_API_KEY/);
    expect(choice.reason).toMatch(/apt-get install pocketsphinx/);
    expect(choice.reason).toMatch(/npm run model:download/);
  });

  it('by name: an engine that is not usable stops the start, naming the variable', async () => {
    await expect(
      chooseEngine(loadConfig({ TRANSCRIPTION_ENGINE: 'sphinx' }), loaders(false)),
    ).rejects.toThrow(ConfigError);
    await expect(
      chooseEngine(loadConfig({ TRANSCRIPTION_ENGINE: 'sphinx' }), loaders(false)),
    ).rejects.toThrow(/TRANSCRIPTION_ENGINE.*not installed/);
  });

  it('by name: the offline engine even when an OpenAI key is set', async () => {
    const choice = await chooseEngine(
      loadConfig({ TRANSCRIPTION_ENGINE: 'sphinx', OPENAI_API_KEY: 'k' }),
      loaders(true),
    );
    expect(choice.engine?.info.id).toBe('sphinx');
  });
});
