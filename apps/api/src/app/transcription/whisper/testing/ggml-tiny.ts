import { writeFile } from 'node:fs/promises';
import {
  GGML_FILE_MAGIC,
  GGML_TYPE_F16,
  GGML_TYPE_F32,
  HPARAM_ORDER,
  TensorSpec,
  WhisperHparams,
  tensorType,
  whisperTensorSpecs,
} from '../ggml-format';

/**
 * Writes a whisper.cpp ggml model with tiny hyper-parameters and seeded random weights:
 * it loads and runs through the real native code in milliseconds, and says nothing useful.
 * Tests use it to prove the wiring, the threading and the error paths, not accuracy.
 * `size: 'tiny.en'` writes one with the dimensions of whisper.cpp's ggml-tiny.en.bin instead
 * (about 78 MB, the real model's size within 1 %), for benchmarks of the compute cost.
 */
export interface TinyModelOptions {
  /**
   * `test` (the default): the small dimensions below. `tiny.en`: Whisper tiny.en's (width 384,
   * 6 heads, 4 encoder and 4 decoder layers). `state`, `heads` and `layers` override either.
   */
  size?: TinyModelSize;
  /** Encoder and decoder width. Default 32. */
  state?: number;
  /** Attention heads; must divide `state`. Default 2. */
  heads?: number;
  /** Default 1 encoder and 1 decoder layer. */
  layers?: number;
  /** 51864 (English-only, the default) or 51865 (multilingual). */
  nVocab?: number;
  /** 0 (f32) or 1 (f16, the default). */
  ftype?: number;
  seed?: number;
}

export type TinyModelSize = 'test' | 'tiny.en';

export const TINY_MODEL_SIZES: ReadonlyArray<TinyModelSize> = ['test', 'tiny.en'];

/** The dimensions of each size. */
const SIZES: Readonly<Record<TinyModelSize, { state: number; heads: number; layers: number }>> = {
  test: { state: 32, heads: 2, layers: 1 },
  'tiny.en': { state: 384, heads: 6, layers: 4 },
};

export const TINY_MODEL_DEFAULTS: Required<Omit<TinyModelOptions, 'size'>> = {
  state: 32,
  heads: 2,
  layers: 1,
  nVocab: 51864,
  ftype: 1,
  seed: 1,
};

/** The hparams of the tiny model; `n_audio_ctx`, `n_text_ctx` and `n_mels` are Whisper's. */
export function tinyHparams(options: TinyModelOptions = {}): WhisperHparams {
  const o = withDefaults(options);
  return {
    nVocab: o.nVocab,
    nAudioCtx: 1500,
    nAudioState: o.state,
    nAudioHead: o.heads,
    nAudioLayer: o.layers,
    nTextCtx: 448,
    nTextState: o.state,
    nTextHead: o.heads,
    nTextLayer: o.layers,
    nMels: 80,
    ftype: o.ftype,
  };
}

/** The tiny model as bytes. */
export function tinyModelBytes(options: TinyModelOptions = {}): Buffer {
  const o = withDefaults(options);
  if (o.ftype !== 0 && o.ftype !== 1) throw new Error('the tiny model is f32 (0) or f16 (1)');
  const hparams = tinyHparams(o);
  const random = mulberry32(o.seed);
  const chunks: Buffer[] = [];

  const header = Buffer.alloc(4 * (1 + HPARAM_ORDER.length));
  header.writeUInt32LE(GGML_FILE_MAGIC, 0);
  HPARAM_ORDER.forEach((key, i) => header.writeInt32LE(hparams[key], 4 * (i + 1)));
  chunks.push(header);

  // Mel filters: whisper's 80 x 201 bank shape, small positive weights.
  const nFft = 201;
  const filters = Buffer.alloc(8 + 4 * hparams.nMels * nFft);
  filters.writeInt32LE(hparams.nMels, 0);
  filters.writeInt32LE(nFft, 4);
  for (let i = 0; i < hparams.nMels * nFft; i++) filters.writeFloatLE(random() * 0.01, 8 + 4 * i);
  chunks.push(filters);

  // The GPT-2 part of the vocabulary as made-up words, then <|endoftext|>; the loader adds
  // the special tokens (sot, languages, timestamps) itself. Decoding looks up " " (GPT-2's
  // token 220) by text, so it must exist.
  const words = Array.from({ length: 50256 }, (_, id) => (id === 220 ? ' ' : pseudoWord(id)));
  words.push('<|endoftext|>');
  chunks.push(int32(words.length));
  for (const word of words) {
    const bytes = Buffer.from(word, 'utf8');
    chunks.push(int32(bytes.length), bytes);
  }

  for (const spec of whisperTensorSpecs(hparams)) chunks.push(tensor(spec, hparams, random));
  return Buffer.concat(chunks);
}

/** Writes the tiny model to `path`; returns its hparams. */
export async function writeTinyModel(
  path: string,
  options: TinyModelOptions = {},
): Promise<WhisperHparams> {
  await writeFile(path, tinyModelBytes(options));
  return tinyHparams(options);
}

function withDefaults(options: TinyModelOptions): Required<Omit<TinyModelOptions, 'size'>> {
  const { size = 'test', ...rest } = options;
  const dimensions = SIZES[size];
  if (!dimensions) throw new Error(`no model size "${size}" (${TINY_MODEL_SIZES.join(', ')})`);
  const defined = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined));
  return { ...TINY_MODEL_DEFAULTS, ...dimensions, ...defined };
}

function tensor(spec: TensorSpec, hparams: WhisperHparams, random: () => number): Buffer {
  const type = tensorType(spec.role, hparams.ftype);
  const elements = spec.ne.reduce((a, b) => a * b, 1);
  const name = Buffer.from(spec.name, 'utf8');
  const head = Buffer.alloc(12 + 4 * spec.ne.length);
  head.writeInt32LE(spec.ne.length, 0);
  head.writeInt32LE(name.length, 4);
  head.writeInt32LE(type, 8);
  spec.ne.forEach((n, i) => head.writeInt32LE(n, 12 + 4 * i));

  // Layer norms start as identity (weight 1, bias 0); everything else is small noise.
  const isNormWeight = /(_ln|ln_post|decoder\.ln)\.weight$/.test(spec.name);
  const isNormBias = /(_ln|ln_post|decoder\.ln)\.bias$/.test(spec.name);
  const value = () => (isNormWeight ? 1 : isNormBias ? 0 : (random() - 0.5) * 0.2);

  // Typed arrays are little-endian on every platform Node runs whisper.cpp on.
  let data: Float32Array | Uint16Array;
  if (type === GGML_TYPE_F32) {
    data = Float32Array.from({ length: elements }, value);
  } else if (type === GGML_TYPE_F16) {
    data = Uint16Array.from({ length: elements }, () => toHalf(value()));
  } else {
    throw new Error(`the tiny model writes no ggml type ${type}`);
  }
  return Buffer.concat([head, name, Buffer.from(data.buffer, data.byteOffset, data.byteLength)]);
}

function int32(value: number): Buffer {
  const out = Buffer.alloc(4);
  out.writeInt32LE(value, 0);
  return out;
}

const SYLLABLES = ['ka', 'lo', 'mi', 're', 'su', 'ta', 'vo', 'ne', 'pi', 'do', 'ga', 'hu'];

function pseudoWord(id: number): string {
  let word = ' ';
  let n = id;
  do {
    word += SYLLABLES[n % SYLLABLES.length];
    n = Math.floor(n / SYLLABLES.length);
  } while (n > 0);
  return word;
}

/** A small seeded PRNG, uniform in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE 754 half from a float, round to nearest (the magnitudes used here stay normal). */
export function toHalf(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exponent = ((x >>> 23) & 0xff) - 127 + 15;
  const mantissa = x & 0x7fffff;
  if (exponent <= 0) return sign; // too small: signed zero
  if (exponent >= 31) return sign | 0x7c00; // too large: infinity
  const rounded = (exponent << 10) + ((mantissa + 0x1000) >>> 13);
  return sign | Math.min(rounded, 0x7bff);
}
