import type { Segmenter, SegmenterOutput, Utterance } from '../segmenter';
import { frameEnergyDbfs, UtteranceCutter } from './utterance-cutter';
import { VadModel, type FrameScorer } from './vad-model';
import type { VadSettings } from './vad-settings';

export interface VadSegmenterOptions {
  /** Overrides of `DEFAULT_VAD_SETTINGS`. */
  settings?: Partial<VadSettings>;
  /**
   * Where the synchronous `Segmenter` face (`push`/`flush`) delivers its outputs, in order,
   * once the model has scored the audio. Not needed when only `pushAsync`/`flushAsync` are used.
   */
  onOutputs?: (outputs: SegmenterOutput[]) => void;
  /**
   * Errors of work queued by `push`/`flush` (the model failing). Reported once. Default: rethrown, unhandled.
   * A failure is final: the stream's recurrent state and time line are lost, and every later
   * call fails with the same error; the owner should end the session.
   */
  onError?: (error: unknown) => void;
}

export interface VadStats {
  /** Frames of `frameSamples` seen. */
  frames: number;
  /** Frames below the energy floor, scored 0 without the model. */
  gatedFrames: number;
  /** Wall time spent in the model, in ms. */
  modelMs: number;
}

export class VadCallbackMissingError extends Error {
  readonly retryable = false;
  constructor() {
    super('VadSegmenter.push/flush need an onOutputs callback; use pushAsync/flushAsync otherwise');
    this.name = 'VadCallbackMissingError';
  }
}

/**
 * Speech-aware segmentation: Silero VAD (ONNX) behind a cheap energy gate, deciding cuts with
 * the pure `UtteranceCutter`.
 *
 * The model runs asynchronously, so there are two faces over one serial work queue:
 * - `pushAsync(samples)` / `flushAsync()` resolve with the outputs that audio produced. Calls
 *   may overlap (no need to await one before the next): they are processed strictly in order.
 * - `push` / `flush` implement the synchronous `Segmenter` interface: they queue the same work,
 *   return `[]`, and hand the outputs to `onOutputs` when ready. `idle()` resolves when all
 *   queued work is done (await it after `flush()` before reporting the end of the stream).
 *
 * One instance per stream (it holds the stream's recurrent state); the model is shared.
 */
export class VadSegmenter implements Segmenter {
  readonly #cutter: UtteranceCutter;
  readonly #scorer: FrameScorer;
  readonly #frame: Int16Array;
  readonly #onOutputs: VadSegmenterOptions['onOutputs'];
  readonly #onError: VadSegmenterOptions['onError'];
  #filled = 0;
  /** The model's failure: the stream's state is lost, so every later call fails with it. */
  #failure: unknown = null;
  #errorReported = false;
  #queue: Promise<unknown> = Promise.resolve();
  readonly #stats: VadStats = { frames: 0, gatedFrames: 0, modelMs: 0 };

  /** A segmenter on the shared, once-loaded default model. */
  static async create(options: VadSegmenterOptions = {}): Promise<VadSegmenter> {
    const model = await VadModel.load();
    return new VadSegmenter(model.createScorer(), options);
  }

  constructor(scorer: FrameScorer, options: VadSegmenterOptions = {}) {
    this.#cutter = new UtteranceCutter(options.settings);
    this.#scorer = scorer;
    this.#frame = new Int16Array(scorer.frameSamples);
    this.#onOutputs = options.onOutputs;
    this.#onError = options.onError;
  }

  get settings(): VadSettings {
    return this.#cutter.settings;
  }

  get stats(): VadStats {
    return { ...this.#stats };
  }

  pushAsync(samples: Int16Array): Promise<SegmenterOutput[]> {
    const copy = samples.slice(); // the caller may reuse its buffer before the work runs
    return this.#enqueue(() => this.#process(copy));
  }

  flushAsync(): Promise<SegmenterOutput[]> {
    return this.#enqueue(() => this.#flush());
  }

  push(samples: Int16Array): SegmenterOutput[] {
    this.#deliver(() => this.pushAsync(samples));
    return [];
  }

  flush(): SegmenterOutput[] {
    this.#deliver(() => this.flushAsync());
    return [];
  }

  /** The utterance in progress, as far as the model has scored the audio. */
  current(): Utterance | null {
    return this.#cutter.current();
  }

  /** Resolves once everything queued so far has been processed (and delivered). */
  async idle(): Promise<void> {
    await this.#queue;
  }

  #enqueue(work: () => Promise<SegmenterOutput[]>): Promise<SegmenterOutput[]> {
    const result = this.#queue.then(async () => {
      if (this.#failure !== null) throw this.#failure;
      try {
        return await work();
      } catch (error) {
        this.#failure = error;
        throw error;
      }
    });
    this.#queue = result.catch(() => undefined);
    return result;
  }

  #deliver(start: () => Promise<SegmenterOutput[]>): void {
    const onOutputs = this.#onOutputs;
    if (onOutputs === undefined) throw new VadCallbackMissingError();
    const delivered = start().then((outputs) => {
      if (outputs.length > 0) onOutputs(outputs);
    });
    // Delivery is part of the queue, so idle() waits for it.
    this.#queue = this.#queue.then(() => delivered).catch(() => undefined);
    delivered.catch((error: unknown) => {
      if (this.#errorReported) return; // a failure is final: report it once
      this.#errorReported = true;
      if (this.#onError) this.#onError(error);
      else throw error;
    });
  }

  async #process(samples: Int16Array): Promise<SegmenterOutput[]> {
    const out: SegmenterOutput[] = [];
    let offset = 0;
    while (offset < samples.length) {
      const take = Math.min(samples.length - offset, this.#frame.length - this.#filled);
      this.#frame.set(samples.subarray(offset, offset + take), this.#filled);
      this.#filled += take;
      offset += take;
      if (this.#filled === this.#frame.length) {
        const frame = this.#frame.slice();
        this.#filled = 0;
        out.push(...(await this.#scoreAndCut(frame, frame)));
      }
    }
    return out;
  }

  async #flush(): Promise<SegmenterOutput[]> {
    const out: SegmenterOutput[] = [];
    if (this.#filled > 0) {
      // The last, partial frame: scored zero-padded, pushed at its true length.
      const padded = new Int16Array(this.#frame.length);
      padded.set(this.#frame.subarray(0, this.#filled));
      const tail = this.#frame.slice(0, this.#filled);
      this.#filled = 0;
      out.push(...(await this.#scoreAndCut(padded, tail)));
    }
    out.push(...this.#cutter.flush());
    this.#scorer.reset();
    return out;
  }

  async #scoreAndCut(scored: Int16Array, frame: Int16Array): Promise<SegmenterOutput[]> {
    this.#stats.frames++;
    const energyDb = frameEnergyDbfs(frame);
    let probability = 0;
    if (energyDb < this.#cutter.settings.energyFloorDbfs) {
      this.#stats.gatedFrames++;
      this.#scorer.skip(scored);
    } else {
      const started = performance.now();
      probability = await this.#scorer.score(scored);
      this.#stats.modelMs += performance.now() - started;
    }
    return this.#cutter.push(frame, probability, energyDb);
  }
}
