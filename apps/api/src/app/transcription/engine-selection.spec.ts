import { ConfigError, loadConfig } from '../config/config.schema';
import type { TranscriptionEngine } from './engine';
import { chooseEngine, EngineLoaders } from './engine-selection';

const offline: TranscriptionEngine = {
  info: { id: 'sphinx', model: 'pocketsphinx-en-us' },
  transcribe: () => Promise.resolve({ text: '' }),
};

function loaders(sphinxInstalled: boolean): EngineLoaders & { started: string[] } {
  const started: string[] = [];
  return {
    started,
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
