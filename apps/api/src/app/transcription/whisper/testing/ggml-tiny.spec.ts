import { TINY_MODEL_DEFAULTS, tinyHparams, tinyModelBytes } from './ggml-tiny';

describe('the generated tiny model', () => {
  it('has the small test dimensions by default', () => {
    expect(tinyHparams()).toMatchObject({
      nAudioState: TINY_MODEL_DEFAULTS.state,
      nAudioHead: TINY_MODEL_DEFAULTS.heads,
      nAudioLayer: TINY_MODEL_DEFAULTS.layers,
      nTextLayer: TINY_MODEL_DEFAULTS.layers,
    });
  });

  it("has whisper.cpp's ggml-tiny.en.bin hyper-parameters with size tiny.en", () => {
    expect(tinyHparams({ size: 'tiny.en' })).toEqual({
      nVocab: 51864,
      nAudioCtx: 1500,
      nAudioState: 384,
      nAudioHead: 6,
      nAudioLayer: 4,
      nTextCtx: 448,
      nTextState: 384,
      nTextHead: 6,
      nTextLayer: 4,
      nMels: 80,
      ftype: 1,
    });
  });

  it('lets explicit dimensions override the size', () => {
    expect(tinyHparams({ size: 'tiny.en', layers: 1 })).toMatchObject({
      nAudioState: 384,
      nAudioLayer: 1,
      nTextLayer: 1,
    });
  });

  it('refuses an unknown size', () => {
    expect(() => tinyModelBytes({ size: 'huge' as 'test' })).toThrow(/no model size "huge"/);
  });
});
