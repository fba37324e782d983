import type { RtpAudioPacket } from './rtp-reorder';

/** Output sample rate of the pipeline: 16 kHz mono, what speech engines want. */
export const SAMPLE_RATE = 16_000;
export const SAMPLES_PER_MS = SAMPLE_RATE / 1000;
/** Opus' RTP clock is always 48 kHz. */
const RTP_CLOCK = 48_000;
const RTP_TICKS_PER_SAMPLE = RTP_CLOCK / SAMPLE_RATE;
/** A gap longer than this in RTP time is treated as a timestamp jump, not silence to fill. */
const MAX_CONCEALED_MS = 5_000;
const FRAME_MS = 20;

export interface OpusDecoder {
  /** Decodes one Opus packet to 16 kHz mono signed 16-bit little-endian PCM. */
  decode(payload: Buffer): Buffer;
}

export interface DecodeStats {
  decoded: number;
  decodeErrors: number;
  /** Audio made up (silence) where packets were lost or sent nothing (DTX). */
  concealedMs: number;
}

/**
 * Decodes Opus packets (already in order) into PCM and keeps the time line right: each
 * packet lands at the place its RTP timestamp says, and any hole before it (lost packets,
 * discontinuous transmission) is filled with silence. Times are in 16 kHz samples from the
 * first packet.
 */
export class OpusDecodeStage {
  readonly stats: DecodeStats = { decoded: 0, decodeErrors: 0, concealedMs: 0 };
  #firstTimestamp: number | undefined;
  /** Samples emitted so far: the position of the next sample on the session's time line. */
  #position = 0;

  constructor(private readonly decoder: OpusDecoder) {}

  get positionSamples(): number {
    return this.#position;
  }

  push(packet: RtpAudioPacket): Int16Array[] {
    this.#firstTimestamp ??= packet.timestamp;
    const out: Int16Array[] = [];
    const ticks = (packet.timestamp - this.#firstTimestamp) >>> 0;
    const expected = Math.floor(ticks / RTP_TICKS_PER_SAMPLE);
    const gap = expected - this.#position;
    if (gap > 0 && gap <= MAX_CONCEALED_MS * SAMPLES_PER_MS) {
      out.push(new Int16Array(gap));
      this.#position += gap;
      this.stats.concealedMs += gap / SAMPLES_PER_MS;
    }
    let pcm: Int16Array;
    try {
      const decoded = this.decoder.decode(packet.payload);
      pcm = new Int16Array(decoded.buffer, decoded.byteOffset, decoded.byteLength >> 1);
      this.stats.decoded++;
    } catch {
      this.stats.decodeErrors++;
      pcm = new Int16Array(FRAME_MS * SAMPLES_PER_MS);
      this.stats.concealedMs += FRAME_MS;
    }
    out.push(pcm);
    this.#position += pcm.length;
    return out;
  }
}
