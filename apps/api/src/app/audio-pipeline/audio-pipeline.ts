import { AudioRateLimit, type AudioRateLimitOptions } from './audio-rate-limit';
import { OpusDecodeStage, OpusDecoder, SAMPLES_PER_MS } from './opus-decode.stage';
import { opusPacketDurationMs } from './opus-packet';
import { RtpReorderBuffer } from './rtp-reorder';

export interface RtpLike {
  header: { sequenceNumber: number; timestamp: number; payloadType: number };
  payload: Buffer;
}

/**
 * Where the decoded audio goes: 16 kHz mono PCM in time order (losses concealed), with the
 * wall-clock time (`now()`) at which the packet that made it arrived.
 */
export type PcmSink = (samples: Int16Array, receivedAt: number) => void;

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
 * The WebRTC ingress of a session's audio: RTP -> reorder (small window) -> rate cap -> Opus
 * decode with loss concealment -> 16 kHz mono PCM for the session's LiveTranscription. Each
 * stage is a pure core; this class only chains them.
 */
export class AudioPipeline {
  readonly #reorder: RtpReorderBuffer;
  readonly #rateLimit: AudioRateLimit | undefined;
  readonly #decoder: OpusDecodeStage;
  readonly #onEnd: PipelineOptions['onEnd'];
  readonly #onRateLimited: PipelineOptions['onRateLimited'];
  #ignored = 0;
  #rateLimited = 0;
  #ended = false;
  readonly #now: () => number;

  constructor(
    private readonly payloadType: number,
    decoder: OpusDecoder,
    private readonly sink: PcmSink,
    options: PipelineOptions = {},
  ) {
    this.#reorder = new RtpReorderBuffer(options.reorderWindow ?? 5);
    this.#rateLimit =
      options.rateLimit === false ? undefined : new AudioRateLimit(options.rateLimit);
    this.#onEnd = options.onEnd;
    this.#onRateLimited = options.onRateLimited;
    this.#decoder = new OpusDecodeStage(decoder);
    this.#now = options.now ?? Date.now;
  }

  push(rtp: RtpLike): void {
    if (this.#ended) return;
    if (rtp.header.payloadType !== this.payloadType || rtp.payload.length === 0) {
      this.#ignored++;
      return;
    }
    const now = this.#now();
    const packet = {
      sequenceNumber: rtp.header.sequenceNumber,
      timestamp: rtp.header.timestamp,
      payload: rtp.payload,
    };
    for (const ordered of this.#reorder.push(packet)) this.#decodeInto(ordered, now);
  }

  /** End of stream: what the reorder buffer holds is decoded and handed on. Idempotent. */
  end(): void {
    if (this.#ended) return;
    const now = this.#now();
    for (const ordered of this.#reorder.flush()) this.#decodeInto(ordered, now);
    this.#ended = true;
    this.#onEnd?.(this.stats);
  }

  get stats(): PipelineStats {
    return {
      ...this.#reorder.stats,
      ignored: this.#ignored,
      ...this.#decoder.stats,
      rateLimited: this.#rateLimited,
      audioMs: this.#decoder.positionSamples / SAMPLES_PER_MS,
    };
  }

  /** Past the cap, a packet is dropped before it costs a decode; else decoded and handed on. */
  #decodeInto(packet: Parameters<OpusDecodeStage['push']>[0], now: number): void {
    let maxPositionSamples = Infinity;
    if (this.#rateLimit) {
      const durationMs = opusPacketDurationMs(packet.payload) ?? DEFAULT_PACKET_MS;
      if (!this.#rateLimit.admit(durationMs, now)) {
        if (this.#rateLimited++ === 0) this.#onRateLimited?.();
        return;
      }
      maxPositionSamples = this.#rateLimit.timelineLimitMs(now) * SAMPLES_PER_MS;
    }
    for (const pcm of this.#decoder.push(packet, maxPositionSamples)) this.sink(pcm, now);
  }
}
