import { loadConfig } from '../config/config.schema';
import { chooseEngine } from './engine-selection';

describe(chooseEngine.name, () => {
  it('picks the OpenAI engine when a key is set', () => {
    const sut = chooseEngine(loadConfig({ OPENAI_API_KEY: 'k', OPENAI_TRANSCRIPTION_MODEL: 'm' }));
    expect(sut.engine?.info).toEqual({ id: 'openai', model: 'm' });
  });

  it('picks the OpenAI engine for an OpenAI-compatible base URL without a key', () => {
    const sut = chooseEngine(loadConfig({ OPENAI_BASE_URL: 'http://127.0.0.1:9/v1' }));
    expect(sut.engine?.info.id).toBe('openai');
  });

  it('says what to do when no engine is usable', () => {
    const sut = chooseEngine(loadConfig({}));
    expect(sut.engine).toBeNull();
    expect(sut.reason).toMatch(/OPENAI_API_KEY/);
  });
});
