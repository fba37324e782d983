import type { Segmenter, SegmenterOutput, SegmenterSink, Utterance } from '../segmenter';
import { frameEnergyDbfs, UtteranceCutter } from './utterance-cutter';
import { VadModel, type FrameScorer } from './vad-model';
import type { VadSettings } from './vad-settings';

export interface VadSegmenterOptions {
  /** Overrides of `DEFAULT_VAD_SETTINGS`. */
  settings?: Partial<VadSettings>;
  /**
   * The model failing, reported once. A failure is final: the stream's recurrent state and
   * time line are lost, nothing more is delivered, and the owner should end the session.
   */
  onError: (error: unknown) => void;
}

export interface VadStats {
  /** Frames of `frameSamples` seen. */
  frames: number;
  /** Frames below the energy floor, scored 0 without the model. */
  gatedFrames: number;
  /** Wall time spent in the model, in ms. */
  modelMs: number;
}

/**
 * Speech-aware segmentation: Silero VAD (ONNX) behind a cheap energy gate, deciding cuts with
 * the pure `UtteranceCutter`.
 *
 * The model runs asynchronously: `push` queues the audio on one serial work queue and the
 * outputs reach the sink, in order, once the model has scored it; `flush` resolves once all
 * queued work has been delivered.
 *
 * One instance per stream (it holds the stream's recurrent state); the model is shared.
 */
export class VadSegmenter implements Segmenter {
  readonly #cutter: UtteranceCutter;
  readonly #scorer: FrameScorer;
  readonly #frame: Int16Array;
  readonly #sink: SegmenterSink;
  readonly #onError: VadSegmenterOptions['onError'];
  #filled = 0;
  /** The model's failure: the stream's state is lost, so nothing more is done. */
  #failed = false;
  #queue: Promise<void> = Promise.resolve();
  readonly #stats: VadStats = { frames: 0, gatedFrames: 0, modelMs: 0 };

  /** A segmenter on the shared, once-loaded default model. */
  static async create(sink: SegmenterSink, options: VadSegmenterOptions): Promise<VadSegmenter> {
    const model = await VadModel.load();
    return new VadSegmenter(model.createScorer(), sink, options);
  }

  constructor(scorer: FrameScorer, sink: SegmenterSink, options: VadSegmenterOptions) {
    this.#cutter = new UtteranceCutter(options.settings);
    this.#scorer = scorer;
    this.#frame = new Int16Array(scorer.frameSamples);
    this.#sink = sink;
    this.#onError = options.onError;
  }

  get settings(): VadSettings {
    return this.#cutter.settings;
  }

  get stats(): VadStats {
    return { ...this.#stats };
  }

  push(samples: Int16Array): void {
    const copy = samples.slice(); // the caller may reuse its buffer before the work runs
    void this.#enqueue(() => this.#process(copy)).catch(() => undefined); // flush() reports it
  }

  flush(): Promise<void> {
    return this.#enqueue(() => this.#flush());
  }

  /** The utterance in progress, as far as the model has scored the audio. */
  current(): Utterance | null {
    return this.#cutter.current();
  }

  /**
   * Runs `work` after what is queued and delivers its outputs; resolves once delivered (rejects
   * only if the sink threw; the queue goes on).
   */
  #enqueue(work: () => Promise<SegmenterOutput[]>): Promise<void> {
    const done = this.#queue.then(async () => {
      if (this.#failed) return;
      let outputs: SegmenterOutput[];
      try {
        outputs = await work();
      } catch (error) {
        this.#failed = true; // a failure is final: report it once
        this.#onError(error);
        return;
      }
      if (outputs.length > 0) this.#sink(outputs);
    });
    this.#queue = done.catch(() => undefined);
    return done;
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
