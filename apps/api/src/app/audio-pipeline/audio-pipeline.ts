import { AudioRateLimit, type AudioRateLimitOptions } from './audio-rate-limit';
import { OpusDecodeStage, OpusDecoder, SAMPLES_PER_MS } from './opus-decode.stage';
import { opusPacketDurationMs } from './opus-packet';
import { RtpReorderBuffer } from './rtp-reorder';
import type { Segmenter, SegmenterOutput, SegmenterSink, Utterance } from './segmenter';

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
  /** Packets dropped before decoding: the session sent audio faster than real time allows. */
  rateLimited: number;
  audioMs: number;
}

export interface PipelineOptions {
  /** Packets held to put reordered ones back in sequence (default 5). */
  reorderWindow?: number;
  /** Called once, with the final stats, when the pipeline ends. */
  onEnd?: (stats: PipelineStats) => void;
  /**
   * The cap on the session's audio: real time plus an allowance (AUDIO_BURST_MS,
   * AUDIO_MAX_SPEED by default); `false` for none.
   */
  rateLimit?: AudioRateLimitOptions | false;
  /** Called once, at the first packet dropped for the cap. */
  onRateLimited?: () => void;
  /** The wall clock (default `Date.now`). */
  now?: () => number;
}

/** What a packet whose duration cannot be read is counted as (it conceals this much). */
const DEFAULT_PACKET_MS = 20;

/**
 * RTP -> reorder (small window) -> rate cap -> Opus decode with loss concealment (16 kHz mono)
 * -> segmenter -> utterances. Each stage is a pure core; this class only chains them.
 */
export class AudioPipeline {
  readonly #reorder: RtpReorderBuffer;
  readonly #rateLimit: AudioRateLimit | undefined;
  readonly #decode: OpusDecodeStage;
  readonly #onEnd: PipelineOptions['onEnd'];
  readonly #onRateLimited: PipelineOptions['onRateLimited'];
  #ignored = 0;
  #rateLimited = 0;
  #ended = false;
  #ending?: Promise<void>;
  readonly #now: () => number;
  #lastPushAt: number;
  private readonly segmenter: Segmenter;

  /** `createSegmenter` makes this stream's segmenter, delivering to the pipeline. */
  constructor(
    private readonly payloadType: number,
    decoder: OpusDecoder,
    createSegmenter: (sink: SegmenterSink) => Segmenter,
    private readonly sink: PipelineSink,
    options: PipelineOptions = {},
  ) {
    this.segmenter = createSegmenter((outputs) => this.#deliver(outputs));
    this.#reorder = new RtpReorderBuffer(options.reorderWindow ?? 5);
    this.#rateLimit =
      options.rateLimit === false ? undefined : new AudioRateLimit(options.rateLimit);
    this.#onEnd = options.onEnd;
    this.#onRateLimited = options.onRateLimited;
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
    const now = (this.#lastPushAt = this.#now());
    const packet = {
      sequenceNumber: rtp.header.sequenceNumber,
      timestamp: rtp.header.timestamp,
      payload: rtp.payload,
    };
    for (const ordered of this.#reorder.push(packet)) this.#decodeAndSegment(ordered, now);
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
    const now = this.#now();
    for (const ordered of this.#reorder.flush()) this.#decodeAndSegment(ordered, now);
    this.#ended = true;
    await this.segmenter.flush();
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
    return this.segmenter.current();
  }

  get stats(): PipelineStats {
    return {
      ...this.#reorder.stats,
      ignored: this.#ignored,
      ...this.#decode.stats,
      rateLimited: this.#rateLimited,
      audioMs: this.#decode.positionSamples / SAMPLES_PER_MS,
    };
  }

  /** Past the cap, a packet is dropped before it costs a decode; else decoded and segmented. */
  #decodeAndSegment(packet: Parameters<OpusDecodeStage['push']>[0], now: number): void {
    let maxPositionSamples = Infinity;
    if (this.#rateLimit) {
      const durationMs = opusPacketDurationMs(packet.payload) ?? DEFAULT_PACKET_MS;
      if (!this.#rateLimit.admit(durationMs, now)) {
        if (this.#rateLimited++ === 0) this.#onRateLimited?.();
        return;
      }
      maxPositionSamples = this.#rateLimit.timelineLimitMs(now) * SAMPLES_PER_MS;
    }
    for (const pcm of this.#decode.push(packet, maxPositionSamples)) {
      this.segmenter.push(pcm);
    }
  }

  /** Hands the segmenter's outputs to the sink, with the wall-clock times of their audio. */
  #deliver(outputs: SegmenterOutput[]): void {
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
