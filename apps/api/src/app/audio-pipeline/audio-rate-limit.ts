/**
 * Audio a session may send ahead of real time at once: a sender's jitter buffer flushing, a
 * burst after a network stall.
 */
export const AUDIO_BURST_MS = 2_000;
/** The sustained rate a session's audio may arrive at, as a multiple of real time (5 % for clock drift). */
export const AUDIO_MAX_SPEED = 1.05;

export interface AudioRateLimitOptions {
  burstMs?: number;
  maxSpeed?: number;
}

/**
 * Caps a session's audio at real time plus an allowance. A token bucket in milliseconds of
 * audio: it holds `burstMs` when full and fills at `maxSpeed` ms per ms of wall time; a packet
 * is admitted if the bucket holds its duration. Also bounds the time line itself (silence
 * filled in for gaps in the RTP clock included): it may not run further ahead of the wall
 * clock, from the first packet on, than the same rate and burst allow. Pure: the caller passes
 * the time.
 */
export class AudioRateLimit {
  readonly #burstMs: number;
  readonly #maxSpeed: number;
  #tokensMs: number;
  #updatedAt: number | undefined;
  #startedAt: number | undefined;

  constructor(options: AudioRateLimitOptions = {}) {
    this.#burstMs = options.burstMs ?? AUDIO_BURST_MS;
    this.#maxSpeed = options.maxSpeed ?? AUDIO_MAX_SPEED;
    this.#tokensMs = this.#burstMs;
  }

  /** Whether a packet of `durationMs` arriving at `now` is within the cap (and takes its share). */
  admit(durationMs: number, now: number): boolean {
    this.#startedAt ??= now;
    const elapsed = Math.max(0, now - (this.#updatedAt ?? now));
    this.#updatedAt = now;
    this.#tokensMs = Math.min(this.#burstMs, this.#tokensMs + elapsed * this.#maxSpeed);
    if (this.#tokensMs < durationMs) return false;
    this.#tokensMs -= durationMs;
    return true;
  }

  /** The furthest the session's time line may reach at `now`, in ms from its first packet. */
  timelineLimitMs(now: number): number {
    const elapsed = this.#startedAt === undefined ? 0 : Math.max(0, now - this.#startedAt);
    return elapsed * this.#maxSpeed + this.#burstMs;
  }
}
