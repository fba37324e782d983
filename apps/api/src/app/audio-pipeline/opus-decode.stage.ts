import type { RtpAudioPacket } from './rtp-reorder';

/** Output sample rate of the pipeline: 16 kHz mono, what speech engines want. */
export const SAMPLE_RATE = 16_000;
export const SAMPLES_PER_MS = SAMPLE_RATE / 1000;
/** Opus' RTP clock is always 48 kHz. */
const RTP_CLOCK = 48_000;
const RTP_TICKS_PER_SAMPLE = RTP_CLOCK / SAMPLE_RATE;
/** A gap longer than this in RTP time is treated as a timestamp jump, not silence to fill. */
export const MAX_CONCEALED_MS = 5_000;
const FRAME_MS = 20;
/** The longest Opus packet; a timestamp further back than this is a jump, not jitter. */
const MAX_PACKET_MS = 120;

export interface OpusDecoder {
  /** Decodes one Opus packet to 16 kHz mono signed 16-bit little-endian PCM. */
  decode(payload: Buffer): Buffer;
}

export interface DecodeStats {
  decoded: number;
  decodeErrors: number;
  /** Audio made up (silence) where packets were lost or sent nothing (DTX). */
  concealedMs: number;
  /**
   * Times the RTP clock jumped (backwards, or further ahead than MAX_CONCEALED_MS), as when a
   * sender restarts: the audio goes on from where it was, and the time line from there.
   */
  timestampJumps: number;
}

/**
 * Decodes Opus packets (already in order) into PCM and keeps the time line right: each
 * packet lands at the place its RTP timestamp says, and any hole before it (lost packets,
 * discontinuous transmission) is filled with silence. Times are in 16 kHz samples from the
 * first packet. The RTP clock is read against an anchor (a timestamp and the place it was
 * put); where it jumps, the packet goes on where the audio was and becomes the new anchor, so
 * audio keeps flowing and later gaps are measured on the new clock.
 */
export class OpusDecodeStage {
  readonly stats: DecodeStats = { decoded: 0, decodeErrors: 0, concealedMs: 0, timestampJumps: 0 };
  #anchor: { timestamp: number; position: number } | undefined;
  /** Samples emitted so far: the position of the next sample on the session's time line. */
  #position = 0;

  constructor(private readonly decoder: OpusDecoder) {}

  get positionSamples(): number {
    return this.#position;
  }

  /**
   * Decodes one packet; `maxPositionSamples` bounds the silence filled in before it (a sender's
   * clock may not run the time line ahead of real time: see AudioRateLimit).
   */
  push(packet: RtpAudioPacket, maxPositionSamples = Infinity): Int16Array[] {
    const out: Int16Array[] = [];
    const anchor = (this.#anchor ??= { timestamp: packet.timestamp, position: this.#position });
    // Signed 32-bit distance: wraps forwards, and a step back stays a step back.
    const ticks = (packet.timestamp - anchor.timestamp) | 0;
    const gap = anchor.position + Math.floor(ticks / RTP_TICKS_PER_SAMPLE) - this.#position;
    if (gap > 0 && gap <= MAX_CONCEALED_MS * SAMPLES_PER_MS) {
      const fill = Math.min(gap, Math.max(0, Math.floor(maxPositionSamples - this.#position)));
      if (fill > 0) {
        out.push(new Int16Array(fill));
        this.#position += fill;
        this.stats.concealedMs += fill / SAMPLES_PER_MS;
      }
      // What is not filled: the clock ran ahead of real time; the packet goes on from here.
      if (fill < gap) this.#anchor = { timestamp: packet.timestamp, position: this.#position };
    } else if (gap !== 0) {
      // A jump, or a packet a little early on the clock (a concealed frame was longer than the
      // packet it stood for): it goes on where the audio is.
      if (gap > 0 || gap < -MAX_PACKET_MS * SAMPLES_PER_MS) this.stats.timestampJumps++;
      this.#anchor = { timestamp: packet.timestamp, position: this.#position };
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
