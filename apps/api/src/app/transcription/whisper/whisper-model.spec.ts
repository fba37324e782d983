import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TINY_MODEL_DEFAULTS, tinyModelBytes } from './testing/ggml-tiny';
import {
  WhisperModelError,
  WhisperModelProblem,
  inspectWhisperModel,
  modelNameFromPath,
  resolveWhisperModel,
} from './whisper-model';

/** magic + 11 hparams, then the 80 x 201 float mel filter bank with its two sizes. */
const VOCAB_OFFSET = 4 + 11 * 4 + 8 + 80 * 201 * 4;
const LAST_TENSOR = 'decoder.blocks.0.cross_attn.out.bias';
const LAST_TENSOR_BYTES = 12 + 4 + LAST_TENSOR.length + 4 * TINY_MODEL_DEFAULTS.state;

describe('inspectWhisperModel', () => {
  let dir: string;
  let model: Buffer;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'whisper-model-'));
    model = tinyModelBytes();
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function write(name: string, bytes: Buffer | string): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, bytes);
    return path;
  }

  async function problemOf(path: string): Promise<WhisperModelError> {
    const error = await inspectWhisperModel(path).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(WhisperModelError);
    return error as WhisperModelError;
  }

  async function expectProblem(path: string, problem: WhisperModelProblem, text: RegExp) {
    const error = await problemOf(path);
    expect(error.problem).toBe(problem);
    expect(error.message).toMatch(text);
    expect(error.message).toContain(path);
    expect(error.retryable).toBe(false);
  }

  it('reads the hyper-parameters of a valid English-only model', async () => {
    const path = await write('ggml-tiny-test.en.bin', model);

    const info = await inspectWhisperModel(path);

    expect(info).toMatchObject({
      name: 'tiny-test.en',
      sizeBytes: model.length,
      multilingual: false,
      hparams: { nVocab: 51864, nAudioState: 32, nAudioLayer: 1, nMels: 80, ftype: 1 },
    });
  });

  it('tells a multilingual model by its vocabulary size', async () => {
    const path = await write('ggml-multi.bin', tinyModelBytes({ nVocab: 51865, ftype: 0 }));

    const info = await inspectWhisperModel(path);

    expect(info.multilingual).toBe(true);
    expect(info.hparams.ftype).toBe(0);
  });

  it('says how to get a model when the file does not exist', async () => {
    await expectProblem(join(dir, 'ggml-nope.bin'), 'missing', /does not exist.*model:download/);
  });

  it('refuses a directory', async () => {
    const path = join(dir, 'a-directory.bin');
    await mkdir(path);
    await expectProblem(path, 'missing', /is not a file/);
  });

  it('refuses an empty file as not a model', async () => {
    await expectProblem(
      await write('empty.bin', ''),
      'not_a_model',
      /not a whisper\.cpp ggml model/,
    );
  });

  it('recognises an error page saved in place of a model', async () => {
    const path = await write('html.bin', '<!DOCTYPE html><html>Not Found</html>');
    await expectProblem(path, 'not_a_model', /looks like text/);
  });

  it('recognises a GGUF file', async () => {
    const path = await write('gguf.bin', Buffer.concat([Buffer.from('GGUF'), Buffer.alloc(64)]));
    await expectProblem(path, 'not_a_model', /GGUF/);
  });

  it.each([
    ['inside the hyper-parameters', 30, /inside the hyper-parameters/],
    ['inside the mel filters', 1000, /inside the mel filters/],
    ['inside the vocabulary', VOCAB_OFFSET + 5000, /inside the vocabulary/],
    ['inside a tensor', -10, /inside tensor "decoder\.blocks\.0\.cross_attn\.out\.bias"/],
  ])('refuses a file truncated %s', async (_where, cut, text) => {
    const bytes = model.subarray(0, cut < 0 ? model.length + cut : cut);
    await expectProblem(await write(`cut-${cut}.bin`, bytes), 'truncated', text);
  });

  it('refuses a file cut exactly between two tensors', async () => {
    const bytes = model.subarray(0, model.length - LAST_TENSOR_BYTES);
    await expectProblem(
      await write('cut-boundary.bin', bytes),
      'truncated',
      new RegExp(
        `1 of \\d+ tensors are missing \\(first: "${LAST_TENSOR.replace(/\./g, '\\.')}"\\)`,
      ),
    );
  });

  it('refuses implausible hyper-parameters', async () => {
    const bytes = Buffer.from(model);
    bytes.writeInt32LE(7, 4 + 2 * 4); // n_audio_state
    await expectProblem(await write('hparams.bin', bytes), 'corrupt', /n_audio_state=7/);
  });

  it('refuses a weight type it does not know', async () => {
    const bytes = Buffer.from(model);
    bytes.writeInt32LE(5, 4 + 10 * 4); // ftype 5 does not exist
    await expectProblem(await write('ftype.bin', bytes), 'unsupported', /ftype 5/);
  });

  it('refuses an unknown tensor name', async () => {
    const bytes = Buffer.from(model);
    const at = bytes.lastIndexOf(Buffer.from(LAST_TENSOR));
    bytes.write('X', at, 'ascii');
    await expectProblem(await write('name.bin', bytes), 'corrupt', /unexpected tensor "Xecoder/);
  });

  it('refuses a tensor of the wrong shape', async () => {
    const bytes = Buffer.from(model);
    const at = bytes.lastIndexOf(Buffer.from(LAST_TENSOR));
    bytes.writeInt32LE(16, at - 4); // its only dimension
    await expectProblem(await write('shape.bin', bytes), 'corrupt', /is \[16\], expected \[32\]/);
  });

  it('refuses bytes after the last tensor', async () => {
    const bytes = Buffer.concat([model, Buffer.alloc(7)]);
    await expectProblem(await write('trailing.bin', bytes), 'truncated', /inside a tensor header/);
  });
});

describe('resolveWhisperModel', () => {
  it('turns a model name into its file under models/', () => {
    expect(resolveWhisperModel('base.en')).toBe(join('models', 'ggml-base.en.bin'));
  });

  it('uses the models folder it is given', () => {
    expect(resolveWhisperModel('small', '/srv/models')).toBe('/srv/models/ggml-small.bin');
  });

  it('leaves paths alone', () => {
    expect(resolveWhisperModel('/opt/whisper/ggml-tiny.bin')).toBe('/opt/whisper/ggml-tiny.bin');
    expect(resolveWhisperModel('./my-model.bin')).toBe('./my-model.bin');
    expect(resolveWhisperModel('custom.bin')).toBe('custom.bin');
  });

  it('names a model after its file', () => {
    expect(modelNameFromPath('models/ggml-base.en.bin')).toBe('base.en');
    expect(modelNameFromPath('/x/custom.bin')).toBe('custom');
  });
});
