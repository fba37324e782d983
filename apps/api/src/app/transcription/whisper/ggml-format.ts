/**
 * The legacy ggml file format of whisper.cpp models (`ggml-<name>.bin`), as read by
 * `whisper_model_load` in whisper.cpp's src/whisper.cpp and written by its
 * models/convert-pt-to-ggml.py. All integers are little-endian int32 unless said otherwise:
 *
 *   magic 0x67676d6c ("ggml")
 *   hparams: n_vocab, n_audio_ctx, n_audio_state, n_audio_head, n_audio_layer,
 *            n_text_ctx, n_text_state, n_text_head, n_text_layer, n_mels, ftype
 *   mel filters: n_mel, n_fft, then n_mel * n_fft float32
 *   vocab: count, then count times (uint32 length, bytes)
 *   tensors until the end of the file, each: n_dims, name length, ggml type,
 *            n_dims dims (innermost first), name, data
 *
 * Shared by the validator that guards the native loader and the test model generator.
 */

export const GGML_FILE_MAGIC = 0x67676d6c;
/** `hparams.ftype` carries the quantisation version times this factor. */
export const GGML_QNT_VERSION_FACTOR = 1000;
/** Models with at least this many tokens are multilingual (whisper.cpp `is_multilingual`). */
export const MULTILINGUAL_MIN_VOCAB = 51865;

export interface WhisperHparams {
  nVocab: number;
  nAudioCtx: number;
  nAudioState: number;
  nAudioHead: number;
  nAudioLayer: number;
  nTextCtx: number;
  nTextState: number;
  nTextHead: number;
  nTextLayer: number;
  nMels: number;
  /** Without the quantisation version. */
  ftype: number;
}

/** The order in which the hparams are stored. */
export const HPARAM_ORDER: ReadonlyArray<keyof WhisperHparams> = [
  'nVocab',
  'nAudioCtx',
  'nAudioState',
  'nAudioHead',
  'nAudioLayer',
  'nTextCtx',
  'nTextState',
  'nTextHead',
  'nTextLayer',
  'nMels',
  'ftype',
];

export interface GgmlType {
  name: string;
  /** Bytes per block. */
  typeSize: number;
  /** Elements per block. */
  blockSize: number;
}

/** The ggml tensor types whisper models come in (ggml.h `enum ggml_type`, ggml-common.h). */
export const GGML_TYPES: ReadonlyMap<number, GgmlType> = new Map([
  [0, { name: 'f32', typeSize: 4, blockSize: 1 }],
  [1, { name: 'f16', typeSize: 2, blockSize: 1 }],
  [2, { name: 'q4_0', typeSize: 18, blockSize: 32 }],
  [3, { name: 'q4_1', typeSize: 20, blockSize: 32 }],
  [6, { name: 'q5_0', typeSize: 22, blockSize: 32 }],
  [7, { name: 'q5_1', typeSize: 24, blockSize: 32 }],
  [8, { name: 'q8_0', typeSize: 34, blockSize: 32 }],
  [10, { name: 'q2_k', typeSize: 84, blockSize: 256 }],
  [11, { name: 'q3_k', typeSize: 110, blockSize: 256 }],
  [12, { name: 'q4_k', typeSize: 144, blockSize: 256 }],
  [13, { name: 'q5_k', typeSize: 176, blockSize: 256 }],
  [14, { name: 'q6_k', typeSize: 210, blockSize: 256 }],
]);

export const GGML_TYPE_F32 = 0;
export const GGML_TYPE_F16 = 1;

/** `ggml_ftype_to_ggml_type` for the file types above (ggml.h `enum ggml_ftype`). */
const FTYPE_TO_TYPE: ReadonlyMap<number, number> = new Map([
  [0, 0],
  [1, 1],
  [2, 2],
  [3, 3],
  [7, 8],
  [8, 6],
  [9, 7],
  [10, 10],
  [11, 11],
  [12, 12],
  [13, 13],
  [14, 14],
]);

/** The ggml type of the big weight matrices for a file type, or undefined if unsupported. */
export function weightType(ftype: number): number | undefined {
  return FTYPE_TO_TYPE.get(ftype);
}

export type TensorRole = 'f32' | 'conv' | 'weight';

export interface TensorSpec {
  name: string;
  /** Dimensions as stored, innermost first (ggml `ne`). */
  ne: number[];
  /** f32 always; conv: f16 unless the model is all-f32; weight: the model's weight type. */
  role: TensorRole;
}

/** The ggml type the loader allocates for a tensor of this role. */
export function tensorType(role: TensorRole, ftype: number): number {
  const wtype = weightType(ftype) ?? GGML_TYPE_F16;
  if (role === 'f32') return GGML_TYPE_F32;
  if (role === 'conv') return wtype === GGML_TYPE_F32 ? GGML_TYPE_F32 : GGML_TYPE_F16;
  return wtype;
}

/** Bytes of a tensor of `type` with `elements` elements, or undefined if not whole blocks. */
export function tensorBytes(type: number, elements: number): number | undefined {
  const info = GGML_TYPES.get(type);
  if (!info || elements % info.blockSize !== 0) return undefined;
  return (elements / info.blockSize) * info.typeSize;
}

function attention(prefix: string, state: number, out: TensorSpec[]): void {
  out.push(
    { name: `${prefix}.query.weight`, ne: [state, state], role: 'weight' },
    { name: `${prefix}.query.bias`, ne: [state], role: 'f32' },
    { name: `${prefix}.key.weight`, ne: [state, state], role: 'weight' },
    { name: `${prefix}.value.weight`, ne: [state, state], role: 'weight' },
    { name: `${prefix}.value.bias`, ne: [state], role: 'f32' },
    { name: `${prefix}.out.weight`, ne: [state, state], role: 'weight' },
    { name: `${prefix}.out.bias`, ne: [state], role: 'f32' },
  );
}

function block(prefix: string, state: number, cross: boolean, out: TensorSpec[]): void {
  out.push(
    { name: `${prefix}.mlp_ln.weight`, ne: [state], role: 'f32' },
    { name: `${prefix}.mlp_ln.bias`, ne: [state], role: 'f32' },
    { name: `${prefix}.mlp.0.weight`, ne: [state, 4 * state], role: 'weight' },
    { name: `${prefix}.mlp.0.bias`, ne: [4 * state], role: 'f32' },
    { name: `${prefix}.mlp.2.weight`, ne: [4 * state, state], role: 'weight' },
    { name: `${prefix}.mlp.2.bias`, ne: [state], role: 'f32' },
    { name: `${prefix}.attn_ln.weight`, ne: [state], role: 'f32' },
    { name: `${prefix}.attn_ln.bias`, ne: [state], role: 'f32' },
  );
  attention(`${prefix}.attn`, state, out);
  if (cross) {
    out.push(
      { name: `${prefix}.cross_attn_ln.weight`, ne: [state], role: 'f32' },
      { name: `${prefix}.cross_attn_ln.bias`, ne: [state], role: 'f32' },
    );
    attention(`${prefix}.cross_attn`, state, out);
  }
}

/** Every tensor `whisper_model_load` expects for these hparams, with its stored shape. */
export function whisperTensorSpecs(h: WhisperHparams): TensorSpec[] {
  const a = h.nAudioState;
  const t = h.nTextState;
  const specs: TensorSpec[] = [
    { name: 'encoder.positional_embedding', ne: [a, h.nAudioCtx], role: 'f32' },
    { name: 'encoder.conv1.weight', ne: [3, h.nMels, a], role: 'conv' },
    { name: 'encoder.conv1.bias', ne: [1, a], role: 'f32' },
    { name: 'encoder.conv2.weight', ne: [3, a, a], role: 'conv' },
    { name: 'encoder.conv2.bias', ne: [1, a], role: 'f32' },
    { name: 'encoder.ln_post.weight', ne: [a], role: 'f32' },
    { name: 'encoder.ln_post.bias', ne: [a], role: 'f32' },
  ];
  for (let i = 0; i < h.nAudioLayer; i++) block(`encoder.blocks.${i}`, a, false, specs);
  specs.push(
    { name: 'decoder.positional_embedding', ne: [t, h.nTextCtx], role: 'f32' },
    { name: 'decoder.token_embedding.weight', ne: [t, h.nVocab], role: 'weight' },
    { name: 'decoder.ln.weight', ne: [t], role: 'f32' },
    { name: 'decoder.ln.bias', ne: [t], role: 'f32' },
  );
  for (let i = 0; i < h.nTextLayer; i++) block(`decoder.blocks.${i}`, t, true, specs);
  return specs;
}
