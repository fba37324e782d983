import { open, stat, type FileHandle } from 'node:fs/promises';
import { basename, join } from 'node:path';
import {
  GGML_FILE_MAGIC,
  GGML_QNT_VERSION_FACTOR,
  GGML_TYPES,
  HPARAM_ORDER,
  MULTILINGUAL_MIN_VOCAB,
  TensorSpec,
  WhisperHparams,
  tensorBytes,
  tensorType,
  weightType,
  whisperTensorSpecs,
} from './ggml-format';

export type WhisperModelProblem =
  'missing' | 'not_a_model' | 'unsupported' | 'truncated' | 'corrupt';

/** The model file cannot be used; the message says why and what to do. Never retryable. */
export class WhisperModelError extends Error {
  readonly retryable = false;

  constructor(
    readonly problem: WhisperModelProblem,
    readonly path: string,
    detail: string,
  ) {
    super(`Whisper model ${path} ${detail}`);
    this.name = 'WhisperModelError';
  }
}

export interface WhisperModelInfo {
  path: string;
  /** `base.en` for `ggml-base.en.bin`; otherwise the file name without `.bin`. */
  name: string;
  sizeBytes: number;
  hparams: WhisperHparams;
  multilingual: boolean;
}

/** whisper.cpp's `WHISPER_N_FFT / 2 + 1`: the mel filter bank's width. */
const MEL_FILTER_WIDTH = 201;
const MAX_TOKEN_BYTES = 4096;
const MAX_NAME_BYTES = 256;

/**
 * `WHISPER_MODEL` is a path (anything with a slash or ending in `.bin`) or a model name such
 * as `base.en`, which stands for `<modelsDir>/ggml-base.en.bin`.
 */
export function resolveWhisperModel(value: string, modelsDir = 'models'): string {
  const trimmed = value.trim();
  if (trimmed.includes('/') || trimmed.includes('\\') || trimmed.endsWith('.bin')) return trimmed;
  return join(modelsDir, `ggml-${trimmed}.bin`);
}

export function modelNameFromPath(path: string): string {
  return basename(path)
    .replace(/\.bin$/, '')
    .replace(/^ggml-/, '');
}

/**
 * Reads a whisper.cpp ggml model's structure without loading its weights: the magic, the
 * hyper-parameters, the mel filters, the vocabulary and every tensor header, checking each
 * against what `whisper_model_load` will expect and that every byte it will read is there.
 * The native loader trusts the file (a truncated or corrupt one can make it allocate wildly,
 * crash or fail in ways the binding does not report), so this runs first.
 */
export async function inspectWhisperModel(path: string): Promise<WhisperModelInfo> {
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new WhisperModelError('missing', path, 'is not a file');
    size = info.size;
  } catch (error) {
    if (error instanceof WhisperModelError) throw error;
    throw new WhisperModelError(
      'missing',
      path,
      'does not exist: download one with `npm run model:download -- base.en` or set WHISPER_MODEL',
    );
  }
  const handle = await open(path, 'r');
  try {
    const reader = new ModelReader(handle, size, path);
    return await readModel(reader, path, size);
  } finally {
    await handle.close();
  }
}

async function readModel(
  reader: ModelReader,
  path: string,
  size: number,
): Promise<WhisperModelInfo> {
  const fail = (problem: WhisperModelProblem, detail: string) =>
    new WhisperModelError(problem, path, detail);

  if (size < 4) throw fail('not_a_model', `is not a whisper.cpp ggml model (${size} bytes)`);
  const magic = (await reader.bytes(4, 'the magic')).readUInt32LE(0);
  if (magic !== GGML_FILE_MAGIC) {
    const head = (await reader.peekStart(4)).toString('latin1');
    const hint =
      head === 'GGUF'
        ? ' (it is a GGUF file; whisper.cpp needs the ggml .bin format)'
        : head.startsWith('<') || head.startsWith('{')
          ? ' (it looks like text, perhaps an error page saved by a failed download)'
          : '';
    throw fail(
      'not_a_model',
      `is not a whisper.cpp ggml model: it does not start with "ggml"${hint}`,
    );
  }

  const raw = await reader.bytes(4 * HPARAM_ORDER.length, 'the hyper-parameters');
  const hparams = {} as WhisperHparams;
  HPARAM_ORDER.forEach((key, i) => (hparams[key] = raw.readInt32LE(4 * i)));
  hparams.ftype %= GGML_QNT_VERSION_FACTOR;
  checkHparams(hparams, fail);

  const filterHead = await reader.bytes(8, 'the mel filters');
  const nMel = filterHead.readInt32LE(0);
  const nFft = filterHead.readInt32LE(4);
  if (nMel !== hparams.nMels || nFft !== MEL_FILTER_WIDTH) {
    throw fail('corrupt', `is corrupt: its mel filter bank is ${nMel} x ${nFft}`);
  }
  reader.skip(4 * nMel * nFft, 'the mel filters');

  const nWords = (await reader.bytes(4, 'the vocabulary')).readInt32LE(0);
  if (nWords < 0 || nWords > hparams.nVocab) {
    throw fail('corrupt', `is corrupt: it claims ${nWords} vocabulary entries`);
  }
  let hasSpace = false;
  for (let i = 0; i < nWords; i++) {
    const length = (await reader.bytes(4, 'the vocabulary')).readUInt32LE(0);
    if (length > MAX_TOKEN_BYTES) {
      throw fail('corrupt', `is corrupt: vocabulary entry ${i} is ${length} bytes long`);
    }
    if (length === 1) hasSpace ||= (await reader.bytes(1, 'the vocabulary'))[0] === 0x20;
    else reader.skip(length, 'the vocabulary');
  }
  // The decoder looks " " up by its text; without it whisper.cpp throws on every request.
  if (!hasSpace) throw fail('corrupt', 'is corrupt: its vocabulary has no " " token');

  await readTensors(reader, hparams, fail);
  return {
    path,
    name: modelNameFromPath(path),
    sizeBytes: size,
    hparams,
    multilingual: hparams.nVocab >= MULTILINGUAL_MIN_VOCAB,
  };
}

type Fail = (problem: WhisperModelProblem, detail: string) => WhisperModelError;

function checkHparams(h: WhisperHparams, fail: Fail): void {
  const within = (value: number, min: number, max: number) =>
    Number.isInteger(value) && value >= min && value <= max;
  const problems: string[] = [];
  if (!within(h.nVocab, 51864, 51866)) problems.push(`n_vocab=${h.nVocab}`);
  if (!within(h.nAudioCtx, 1, 1500)) problems.push(`n_audio_ctx=${h.nAudioCtx}`);
  if (!within(h.nTextCtx, 1, 448)) problems.push(`n_text_ctx=${h.nTextCtx}`);
  if (!within(h.nAudioState, 1, 8192) || h.nTextState !== h.nAudioState) {
    problems.push(`n_audio_state=${h.nAudioState}, n_text_state=${h.nTextState}`);
  }
  if (!within(h.nAudioHead, 1, 256) || h.nAudioState % h.nAudioHead !== 0) {
    problems.push(`n_audio_head=${h.nAudioHead}`);
  }
  if (!within(h.nTextHead, 1, 256) || h.nTextState % h.nTextHead !== 0) {
    problems.push(`n_text_head=${h.nTextHead}`);
  }
  if (!within(h.nAudioLayer, 1, 128)) problems.push(`n_audio_layer=${h.nAudioLayer}`);
  if (!within(h.nTextLayer, 1, 128)) problems.push(`n_text_layer=${h.nTextLayer}`);
  if (h.nMels !== 80 && h.nMels !== 128) problems.push(`n_mels=${h.nMels}`);
  if (problems.length > 0) {
    throw fail('corrupt', `is corrupt: implausible hyper-parameters (${problems.join(', ')})`);
  }
  if (weightType(h.ftype) === undefined) {
    throw fail('unsupported', `uses a weight type this engine does not support (ftype ${h.ftype})`);
  }
}

async function readTensors(
  reader: ModelReader,
  hparams: WhisperHparams,
  fail: Fail,
): Promise<void> {
  const expected = new Map<string, TensorSpec>(
    whisperTensorSpecs(hparams).map((spec) => [spec.name, spec]),
  );
  const seen = new Set<string>();
  while (!reader.atEnd) {
    const head = await reader.bytes(12, 'a tensor header');
    const nDims = head.readInt32LE(0);
    const nameLength = head.readInt32LE(4);
    const storedType = head.readInt32LE(8);
    if (nDims < 1 || nDims > 4 || nameLength < 1 || nameLength > MAX_NAME_BYTES) {
      throw fail('corrupt', `is corrupt: bad tensor header at byte ${reader.offset - 12}`);
    }
    const dimBytes = await reader.bytes(4 * nDims, 'a tensor header');
    const ne = Array.from({ length: nDims }, (_, i) => dimBytes.readInt32LE(4 * i));
    const name = (await reader.bytes(nameLength, 'a tensor name')).toString('utf8');
    const spec = expected.get(name);
    if (!spec) throw fail('corrupt', `is corrupt: unexpected tensor "${name}"`);
    if (seen.has(name)) throw fail('corrupt', `is corrupt: tensor "${name}" appears twice`);
    seen.add(name);

    const want = [...spec.ne, 1, 1, 1].slice(0, 3);
    const got = [...ne, 1, 1, 1].slice(0, 3);
    const elements = ne.reduce((a, b) => a * b, 1);
    const wantElements = spec.ne.reduce((a, b) => a * b, 1);
    if (want.some((n, i) => n !== got[i]) || elements !== wantElements) {
      throw fail(
        'corrupt',
        `is corrupt: tensor "${name}" is [${ne.join(', ')}], expected [${spec.ne.join(', ')}]`,
      );
    }
    // The loader reads as many bytes as the tensor it allocated holds, after checking that
    // the stored type describes the same number of bytes; this mirrors that check.
    const allocated = tensorType(spec.role, hparams.ftype);
    const bytes = tensorBytes(allocated, elements);
    const stored = GGML_TYPES.get(storedType);
    const allocatedType = GGML_TYPES.get(allocated);
    if (
      bytes === undefined ||
      !stored ||
      !allocatedType ||
      (elements * stored.typeSize) / allocatedType.blockSize !== bytes
    ) {
      throw fail('corrupt', `is corrupt: tensor "${name}" has the wrong type (${storedType})`);
    }
    reader.skip(bytes, `tensor "${name}"`);
  }
  if (seen.size < expected.size) {
    const missing = [...expected.keys()].filter((name) => !seen.has(name));
    throw fail(
      'truncated',
      `is incomplete: ${missing.length} of ${expected.size} tensors are missing (first: "${missing[0]}"); download it again`,
    );
  }
}

/** Sequential reads over a file handle through a window, failing clearly past the end. */
class ModelReader {
  #window = Buffer.alloc(0);
  #windowStart = 0;
  offset = 0;

  constructor(
    private readonly handle: FileHandle,
    private readonly size: number,
    private readonly path: string,
  ) {}

  get atEnd(): boolean {
    return this.offset >= this.size;
  }

  async peekStart(length: number): Promise<Buffer> {
    const out = Buffer.alloc(Math.min(length, this.size));
    await this.handle.read(out, 0, out.length, 0);
    return out;
  }

  async bytes(length: number, what: string): Promise<Buffer> {
    this.#ensureAvailable(length, what);
    const end = this.offset + length;
    if (this.offset < this.#windowStart || end > this.#windowStart + this.#window.length) {
      const windowLength = Math.min(Math.max(length, 1 << 16), this.size - this.offset);
      const window = Buffer.alloc(windowLength);
      const { bytesRead } = await this.handle.read(window, 0, windowLength, this.offset);
      this.#window = window.subarray(0, bytesRead);
      this.#windowStart = this.offset;
      this.#ensureAvailable(length, what, this.#windowStart + bytesRead);
    }
    const start = this.offset - this.#windowStart;
    this.offset = end;
    return this.#window.subarray(start, start + length);
  }

  skip(length: number, what: string): void {
    this.#ensureAvailable(length, what);
    this.offset += length;
  }

  #ensureAvailable(length: number, what: string, end = this.size): void {
    if (this.offset + length > end) {
      throw new WhisperModelError(
        'truncated',
        this.path,
        `is truncated: it ends at byte ${this.size} inside ${what}, which needs bytes up to ${this.offset + length}; download it again`,
      );
    }
  }
}
