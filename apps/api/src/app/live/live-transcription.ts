import type { TranscriptEventInit } from '@whisperstream/shared-types';
import { SAMPLES_PER_MS } from '../audio-pipeline/opus-decode.stage';
import type {
  Segmenter,
  SegmenterOutput,
  SegmenterSink,
  Utterance,
} from '../audio-pipeline/segmenter';
import type { SessionTranscriber } from '../transcription/session-transcriber';

export interface LiveTranscriptionInit {
  /** Makes the session's segmenter, delivering to this owner. */
  createSegmenter: (sink: SegmenterSink) => Segmenter;
  /** Transcribes the utterances and publishes partials, finals and errors in segment order. */
  transcriber: SessionTranscriber;
  /** Where the session's events go (the TranscriptBus channel). */
  publish: (event: TranscriptEventInit) => void;
  /** The wall clock (default `Date.now`). */
  now?: () => number;
}

/**
 * One session's chain from audio to text, and its one owner: 16 kHz mono PCM in, in time
 * order, from whatever ingress brings it (WebRTC today; an uploaded file or a socket of PCM
 * alike: nothing here knows where audio comes from); the session's speech events out
 * (`speech-start` here, `partial`, `final` and `error` through its transcriber). It holds the
 * segmenter and the transcriber, and maps each point of the audio to the wall-clock time it
 * arrived, so that latency runs from the end of the speech.
 */
export class LiveTranscription {
  readonly #createSegmenter: LiveTranscriptionInit['createSegmenter'];
  /** Made with the first audio: a session that never sends any costs no segmenter. */
  #segmenter?: Segmenter;
  readonly #transcriber: SessionTranscriber;
  readonly #publish: LiveTranscriptionInit['publish'];
  readonly #now: () => number;
  #positionSamples = 0;
  #lastPushAt: number;
  #ending?: Promise<void>;

  constructor(init: LiveTranscriptionInit) {
    this.#transcriber = init.transcriber;
    this.#publish = init.publish;
    this.#now = init.now ?? Date.now;
    this.#lastPushAt = this.#now();
    this.#createSegmenter = init.createSegmenter;
  }

  /** Audio in time order; `receivedAt` is the wall-clock time it arrived (default: now). */
  push(samples: Int16Array, receivedAt = this.#now()): void {
    if (this.#ending) return;
    if (!this.#segmenter) {
      this.#segmenter = this.#createSegmenter((outputs) => this.#deliver(outputs));
      this.#transcriber.startPartials(() => this.current());
    }
    this.#positionSamples += samples.length;
    this.#lastPushAt = receivedAt;
    this.#segmenter.push(samples);
  }

  /** How much audio has come in, in ms. */
  get audioMs(): number {
    return this.#positionSamples / SAMPLES_PER_MS;
  }

  /** The utterance still growing (for partial results), null when there is none. */
  current(): Utterance | null {
    return this.#segmenter?.current() ?? null;
  }

  /**
   * The wall-clock time at which the audio at `ms` (session time) arrived. Audio comes in real
   * time, so it is the time of the latest audio minus how far that audio is past `ms`.
   */
  wallTimeOf(ms: number): number {
    return this.#lastPushAt - Math.max(0, this.audioMs - ms);
  }

  /**
   * End of the audio: the segmenter cuts what it still holds, every utterance reaches the
   * transcriber, which then has `drainMs` to finish. Idempotent.
   */
  end(drainMs: number): Promise<void> {
    this.#ending ??= this.#end(drainMs);
    return this.#ending;
  }

  /** Utterances transcribed, and failed, so far. */
  get counts(): { completed: number; failed: number } {
    return { completed: this.#transcriber.completed, failed: this.#transcriber.failed };
  }

  async #end(drainMs: number): Promise<void> {
    await this.#segmenter?.flush();
    await this.#transcriber.drain(drainMs);
  }

  #deliver(outputs: SegmenterOutput[]): void {
    for (const output of outputs) {
      if (output.type === 'speech-start') {
        const { segmentId, startMs } = output;
        this.#transcriber.speechStarted(segmentId, this.wallTimeOf(startMs));
        this.#publish({ type: 'speech-start', data: { segmentId, startMs } });
      } else {
        const { utterance } = output;
        const speechEndAt = this.wallTimeOf(utterance.speechEndMs ?? utterance.endMs);
        this.#transcriber.submit(utterance, speechEndAt);
      }
    }
  }
}
