import { modelsDirOf } from './models';

describe(modelsDirOf.name, () => {
  it('downloads where the server looks: WHISPER_MODELS_DIR unless --dir says otherwise', () => {
    expect(modelsDirOf(undefined, { WHISPER_MODELS_DIR: '/srv/models' })).toBe('/srv/models');
    expect(modelsDirOf('/tmp/m', { WHISPER_MODELS_DIR: '/srv/models' })).toBe('/tmp/m');
    expect(modelsDirOf(undefined, {})).toBe('models');
    expect(modelsDirOf(undefined, { WHISPER_MODELS_DIR: '' })).toBe('models');
  });
});
