import { OpusDecodeStage, OpusDecoder, SAMPLES_PER_MS } from './opus-decode.stage';
import { RtpReorderBuffer } from './rtp-reorder';
import type { Segmenter, Utterance } from './segmenter';

export interface RtpLike {
  header: { sequenceNumber: number; timestamp: number; payloadType: number };
  payload: Buffer;
}

/** `…At` arguments are wall-clock times (`now()`) at which that point of the audio arrived. */
export interface PipelineSink {
  speechStart(segmentId: number, startMs: number, startAt: number): void;
  utterance(utterance: Utterance, speechEndAt: number): void;
}

export interface PipelineStats {
  received: number;
  ignored: number;
  lost: number;
  late: number;
  duplicates: number;
  reordered: number;
  /** The sender's sequence numbers jumped (it restarted) and the pipeline followed. */
  resyncs: number;
  decoded: number;
  decodeErrors: number;
  concealedMs: number;
  /** The sender's RTP clock jumped; the audio went on where it was. */
  timestampJumps: number;
  audioMs: number;
}

export interface PipelineOptions {
  /** Packets held to put reordered ones back in sequence (default 5). */
  reorderWindow?: number;
  /** Called once, with the final stats, when the pipeline ends. */
  onEnd?: (stats: PipelineStats) => void;
  /** The wall clock (default `Date.now`). */
  now?: () => number;
}

/**
 * RTP -> reorder (small window) -> Opus decode with loss concealment (16 kHz mono)
 * -> segmenter -> utterances. Each stage is a pure core; this class only chains them.
 */
export class AudioPipeline {
  readonly #reorder: RtpReorderBuffer;
  readonly #decode: OpusDecodeStage;
  readonly #onEnd: PipelineOptions['onEnd'];
  #ignored = 0;
  #ended = false;
  #ending?: Promise<void>;
  readonly #now: () => number;
  #lastPushAt: number;

  constructor(
    private readonly payloadType: number,
    decoder: OpusDecoder,
    private readonly segmenter: Segmenter,
    private readonly sink: PipelineSink,
    options: PipelineOptions = {},
  ) {
    this.#reorder = new RtpReorderBuffer(options.reorderWindow ?? 5);
    this.#onEnd = options.onEnd;
    this.#decode = new OpusDecodeStage(decoder);
    this.#now = options.now ?? Date.now;
    this.#lastPushAt = this.#now();
  }

  push(rtp: RtpLike): void {
    if (this.#ended) return;
    if (rtp.header.payloadType !== this.payloadType || rtp.payload.length === 0) {
      this.#ignored++;
      return;
    }
    this.#lastPushAt = this.#now();
    const packet = {
      sequenceNumber: rtp.header.sequenceNumber,
      timestamp: rtp.header.timestamp,
      payload: rtp.payload,
    };
    for (const ordered of this.#reorder.push(packet)) this.#decodeAndSegment(ordered);
  }

  /**
   * End of stream: what every stage holds goes through, the last utterance is cut, and (for a
   * segmenter that answers later) everything it still owes is delivered. Idempotent.
   */
  end(): Promise<void> {
    this.#ending ??= this.#end();
    return this.#ending;
  }

  async #end(): Promise<void> {
    for (const ordered of this.#reorder.flush()) this.#decodeAndSegment(ordered);
    this.#ended = true;
    this.deliver(this.segmenter.flush());
    await this.segmenter.idle?.();
    this.#onEnd?.(this.stats);
  }

  /**
   * The wall-clock time at which the audio at `ms` (session time) arrived. Audio comes in real
   * time, so it is the time of the latest packet minus how far that packet's audio is past `ms`.
   */
  wallTimeOf(ms: number): number {
    const positionMs = this.#decode.positionSamples / SAMPLES_PER_MS;
    return this.#lastPushAt - Math.max(0, positionMs - ms);
  }

  /** The utterance still growing (for partial results), if the segmenter can tell. */
  current(): Utterance | null {
    return this.segmenter.current?.() ?? null;
  }

  get stats(): PipelineStats {
    return {
      ...this.#reorder.stats,
      ignored: this.#ignored,
      ...this.#decode.stats,
      audioMs: this.#decode.positionSamples / SAMPLES_PER_MS,
    };
  }

  #decodeAndSegment(packet: Parameters<OpusDecodeStage['push']>[0]): void {
    for (const pcm of this.#decode.push(packet)) this.deliver(this.segmenter.push(pcm));
  }

  /** Hands segmenter outputs to the sink; a segmenter that answers later calls this itself. */
  deliver(outputs: ReturnType<Segmenter['push']>): void {
    for (const output of outputs) {
      if (output.type === 'speech-start') {
        this.sink.speechStart(output.segmentId, output.startMs, this.wallTimeOf(output.startMs));
      } else {
        const { utterance } = output;
        this.sink.utterance(utterance, this.wallTimeOf(utterance.speechEndMs ?? utterance.endMs));
      }
    }
  }
}
