import { SAMPLES_PER_MS } from './opus-decode.stage';

/** A piece of the session's audio to transcribe. Times are ms from the session's first sample. */
export interface Utterance {
  segmentId: number;
  startMs: number;
  endMs: number;
  samples: Int16Array;
  /** End of the last speech in it; what follows is kept pause. Unknown (no VAD): `endMs`. */
  speechEndMs?: number;
  /** How much of it the VAD scored as speech, in ms; undefined when no VAD looked at it. */
  speechMs?: number;
}

export type SegmenterOutput =
  | { type: 'speech-start'; segmentId: number; startMs: number }
  | { type: 'utterance'; utterance: Utterance };

/** Where a segmenter hands its outputs, in order. */
export type SegmenterSink = (outputs: SegmenterOutput[]) => void;

/**
 * Cuts a continuous 16 kHz mono stream into utterances. One contract for every segmenter:
 * `push` audio in time order; the outputs go to the sink the segmenter was made with, in order,
 * at once or once a model has scored the audio; `flush` at the end of the stream cuts what is
 * still held and resolves once everything has been delivered.
 */
export interface Segmenter {
  push(samples: Int16Array): void;
  flush(): Promise<void>;
  /**
   * The utterance still growing (announced by `speech-start`, not yet cut), as far as the
   * audio has been processed, for partial results; null when there is none.
   */
  current(): Utterance | null;
}

/** Anything shorter is not worth sending to an engine (OpenAI refuses audio under 0.1 s). */
export const MIN_UTTERANCE_MS = 100;

/**
 * The original design: a cut every `chunkMs`, wherever it falls. Kept as `SEGMENTATION=fixed`.
 */
export class FixedSegmenter implements Segmenter {
  readonly #chunkSamples: number;
  #buffer: Int16Array;
  #filled = 0;
  #position = 0;
  #nextId = 0;

  constructor(
    chunkMs: number,
    private readonly sink: SegmenterSink,
  ) {
    this.#chunkSamples = Math.round(chunkMs * SAMPLES_PER_MS);
    this.#buffer = new Int16Array(this.#chunkSamples);
  }

  push(samples: Int16Array): void {
    const out = this.#cut(samples);
    if (out.length > 0) this.sink(out);
  }

  flush(): Promise<void> {
    const out = this.#flush();
    if (out.length > 0) this.sink(out);
    return Promise.resolve();
  }

  #cut(samples: Int16Array): SegmenterOutput[] {
    const out: SegmenterOutput[] = [];
    let offset = 0;
    while (offset < samples.length) {
      if (this.#filled === 0) {
        out.push({
          type: 'speech-start',
          segmentId: this.#nextId,
          startMs: this.#position / SAMPLES_PER_MS,
        });
      }
      const take = Math.min(samples.length - offset, this.#chunkSamples - this.#filled);
      this.#buffer.set(samples.subarray(offset, offset + take), this.#filled);
      this.#filled += take;
      offset += take;
      if (this.#filled === this.#chunkSamples) out.push(this.#cutChunk());
    }
    return out;
  }

  current(): Utterance | null {
    if (this.#filled === 0) return null;
    const startMs = this.#position / SAMPLES_PER_MS;
    return {
      segmentId: this.#nextId,
      startMs,
      endMs: (this.#position + this.#filled) / SAMPLES_PER_MS,
      samples: this.#buffer.slice(0, this.#filled),
    };
  }

  #flush(): SegmenterOutput[] {
    if (this.#filled === 0) return [];
    if (this.#filled < MIN_UTTERANCE_MS * SAMPLES_PER_MS) {
      this.#position += this.#filled;
      this.#filled = 0;
      return [];
    }
    return [this.#cutChunk()];
  }

  #cutChunk(): SegmenterOutput {
    const samples = this.#buffer.slice(0, this.#filled);
    const startMs = this.#position / SAMPLES_PER_MS;
    this.#position += this.#filled;
    this.#filled = 0;
    return {
      type: 'utterance',
      utterance: {
        segmentId: this.#nextId++,
        startMs,
        endMs: this.#position / SAMPLES_PER_MS,
        samples,
      },
    };
  }
}
