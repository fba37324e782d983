/**
 * Gives a generated random-weight whisper.cpp model (ggml format, English-only) a decoder that
 * says the same thing, confidently, on every call: `<|0.00|>`, `tokens` times one text token,
 * then `<|endoftext|>`.
 *
 * Why: with random weights every token whisper.cpp decodes is a guess (mean log-probability far
 * under its -1 threshold), so each call runs the whole temperature fallback (up to 6 decodes,
 * 5 candidates each above temperature 0) and a call costs several times a real model's. A real
 * tiny.en on speech decodes once, at temperature 0, some 3 tokens per second of speech. With this
 * decoder a call is the real encoder's work (same dimensions, same 30 s window) plus a decode of
 * `tokens + 2` tokens, once: the compute of a real call, with words that still mean nothing.
 *
 * How: the decoder's positional embedding (f32, one row per position) is set to a large vector
 * along one of three orthogonal ±1 patterns (position 0: the timestamp pattern, 1..tokens: the
 * text pattern, then the end pattern), which swamps what the random layers add to the residual
 * stream, so the final layer norm puts out that pattern; the token embedding rows (f16) of
 * `<|0.00|>`, the text token and `<|endoftext|>` point along their pattern, so each position's
 * logit for its token is far above every other. Only those tensors change: size and shapes stay.
 */

const GGML_MAGIC = 0x67676d6c;
const TYPE_F32 = 0;
const TYPE_F16 = 1;
/** English-only Whisper: `<|endoftext|>` and `<|0.00|>` (whisper.cpp's token_eot, token_beg). */
const EN_VOCAB = 51864;
const TOKEN_EOT = 50256;
const TOKEN_BEG = 50363;
/** A plain word of the generated vocabulary (not blank, not special). */
const TEXT_TOKEN = 1000;
/** The most text tokens per call (see `fixDecoder`). */
export const MAX_TOKENS = 30;

export interface TensorLocation {
  type: number;
  ne: number[];
  /** Byte offset of the tensor's data in the file. */
  offset: number;
}

/** The tensors of a ggml whisper model (f32 and f16 only), by name. */
export function locateTensors(model: Buffer): Map<string, TensorLocation> {
  if (model.readUInt32LE(0) !== GGML_MAGIC) throw new Error('not a ggml whisper model');
  let at = 4 + 11 * 4;
  const nMel = model.readInt32LE(at);
  const nFft = model.readInt32LE(at + 4);
  at += 8 + 4 * nMel * nFft;
  const words = model.readInt32LE(at);
  at += 4;
  for (let i = 0; i < words; i++) at += 4 + model.readUInt32LE(at);
  const tensors = new Map<string, TensorLocation>();
  while (at < model.length) {
    const nDims = model.readInt32LE(at);
    const nameLength = model.readInt32LE(at + 4);
    const type = model.readInt32LE(at + 8);
    const ne = Array.from({ length: nDims }, (_, i) => model.readInt32LE(at + 12 + 4 * i));
    at += 12 + 4 * nDims;
    const name = model.toString('utf8', at, at + nameLength);
    at += nameLength;
    if (type !== TYPE_F32 && type !== TYPE_F16) throw new Error(`${name}: ggml type ${type}`);
    tensors.set(name, { type, ne, offset: at });
    at += ne.reduce((a, b) => a * b, 1) * (type === TYPE_F32 ? 4 : 2);
  }
  if (at !== model.length) throw new Error('the model ends inside a tensor');
  return tensors;
}

export interface FixedDecoder {
  /** Text tokens per call (between `<|0.00|>` and `<|endoftext|>`), at most `MAX_TOKENS`. */
  tokens: number;
  /** How far each position's pattern stands out: the positional embedding's value. */
  positionScale?: number;
  /** The token embedding rows' value along their pattern. */
  embeddingScale?: number;
}

/** The three orthogonal ±1 patterns over the decoder's width (which must be a multiple of 4). */
export function decoderPatterns(width: number): {
  timestamp: number[];
  text: number[];
  end: number[];
} {
  if (width % 4 !== 0) throw new Error(`decoder width ${width} is not a multiple of 4`);
  const pattern = (sign: (i: number) => boolean) =>
    Array.from({ length: width }, (_, i) => (sign(i) ? 1 : -1));
  return {
    timestamp: pattern((i) => i % 2 === 1),
    text: pattern((i) => i < width / 2),
    end: pattern((i) => (i >> 1) % 2 === 1),
  };
}

/** Rewrites the model in place (see the file's comment); returns it. */
export function fixDecoder(model: Buffer, options: FixedDecoder): Buffer {
  const { tokens, positionScale = 30, embeddingScale = 0.05 } = options;
  if (model.readInt32LE(4) !== EN_VOCAB) throw new Error('only English-only models are supported');
  const tensors = locateTensors(model);
  const positions = tensors.get('decoder.positional_embedding');
  const embedding = tensors.get('decoder.token_embedding.weight');
  if (!positions || positions.type !== TYPE_F32 || !embedding || embedding.type !== TYPE_F16) {
    throw new Error('the decoder embeddings are missing or not f32/f16');
  }
  const [width, contexts] = positions.ne;
  // Past 32 tokens whisper.cpp checks a result's entropy, and one token said over and over fails
  // that check (it falls back, as the random decoder does); it decodes at most half its context.
  const most = Math.min(MAX_TOKENS, contexts / 2 - 2);
  if (!Number.isInteger(tokens) || tokens < 1 || tokens > most) {
    throw new Error(`tokens must be between 1 and ${most}`);
  }
  const { timestamp, text, end } = decoderPatterns(width);
  for (let p = 0; p < contexts; p++) {
    const pattern = p === 0 ? timestamp : p <= tokens ? text : end;
    pattern.forEach((sign, i) =>
      model.writeFloatLE(positionScale * sign, positions.offset + 4 * (p * width + i)),
    );
  }
  const row = (token: number, pattern: number[]) =>
    pattern.forEach((sign, i) =>
      model.writeUInt16LE(
        toHalf(embeddingScale * sign),
        embedding.offset + 2 * (token * width + i),
      ),
    );
  row(TOKEN_BEG, timestamp);
  row(TEXT_TOKEN, text);
  row(TOKEN_EOT, end);
  return model;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** IEEE 754 half of a float in the normal range, round to nearest. */
export function toHalf(value: number): number {
  f32[0] = value;
  const x = u32[0];
  const sign = (x >>> 16) & 0x8000;
  const exponent = ((x >>> 23) & 0xff) - 127 + 15;
  if (exponent <= 0) return sign;
  if (exponent >= 31) return sign | 0x7c00;
  return sign | Math.min((exponent << 10) + (((x & 0x7fffff) + 0x1000) >>> 13), 0x7bff);
}
