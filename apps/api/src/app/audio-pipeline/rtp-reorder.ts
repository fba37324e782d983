/** The part of an RTP packet the pipeline needs. */
export interface RtpAudioPacket {
  sequenceNumber: number;
  timestamp: number;
  payload: Buffer;
}

export interface ReorderStats {
  received: number;
  /** Packets never seen by the time the window moved past them. */
  lost: number;
  duplicates: number;
  /**
   * Packets dropped as out of place: they arrived after the window had moved past them, or far
   * from the sequence with no run after them to follow.
   */
  late: number;
  /** Packets that arrived out of order but in time, and were put back in place. */
  reordered: number;
  /** Times the sender's sequence numbers jumped (a restarted stream) and the buffer followed. */
  resyncs: number;
}

/**
 * A packet further behind the expected sequence number than this is not late: its sender may
 * have started again (RFC 3550, A.1). 100 packets are 2 s at 20 ms.
 */
export const MAX_MISORDER = 100;
/** A packet further ahead than this is not after a loss (3000 packets: a minute at 20 ms). */
export const MAX_DROPOUT = 3000;
/** Consecutive packets that far from the sequence: a restarted stream, followed from then on. */
export const RESYNC_RUN = 3;

/**
 * Puts RTP packets back in sequence order, holding at most `window` packets while it waits
 * for a missing one. Handles 16-bit sequence wrap-around. A sender whose sequence jumps (it
 * restarted its stream with the same SSRC) is followed once RESYNC_RUN consecutive packets
 * confirm the new sequence; those packets are held meanwhile, not lost. Pure: no timers, no I/O.
 */
export class RtpReorderBuffer {
  readonly stats: ReorderStats = {
    received: 0,
    lost: 0,
    duplicates: 0,
    late: 0,
    reordered: 0,
    resyncs: 0,
  };
  readonly #pending = new Map<number, RtpAudioPacket>();
  #next: number | undefined;
  #highest = -1;
  /** Consecutive packets far from the sequence: a restarted stream, if the run grows. */
  #run: RtpAudioPacket[] = [];

  constructor(private readonly window = 5) {}

  push(packet: RtpAudioPacket): RtpAudioPacket[] {
    this.stats.received++;
    if (this.#next === undefined) this.#next = packet.sequenceNumber;
    const extended = this.#extend(packet.sequenceNumber);
    const ahead = extended - this.#next;
    if (ahead < -MAX_MISORDER || ahead > MAX_DROPOUT) return this.#probe(packet);
    if (extended < this.#next) {
      this.stats.late++;
      return [];
    }
    if (this.#pending.has(extended)) {
      this.stats.duplicates++;
      return [];
    }
    if (extended < this.#highest) this.stats.reordered++;
    this.#highest = Math.max(this.#highest, extended);
    this.#pending.set(extended, packet);
    return this.#drain(false);
  }

  /** End of stream: everything held is released in order; gaps count as lost. */
  flush(): RtpAudioPacket[] {
    this.stats.late += this.#run.length;
    this.#run = [];
    return this.#drain(true);
  }

  /** A packet far from the sequence: the start or the next of a run, or a stray. */
  #probe(packet: RtpAudioPacket): RtpAudioPacket[] {
    const last = this.#run[this.#run.length - 1];
    if (last && packet.sequenceNumber === ((last.sequenceNumber + 1) & 0xffff)) {
      this.#run.push(packet);
    } else {
      this.stats.late += this.#run.length; // a stray, or a run that broke off
      this.#run = [packet];
    }
    return this.#run.length < RESYNC_RUN ? [] : this.#resync();
  }

  /** Releases what the old stream left in order, then follows the run's sequence. */
  #resync(): RtpAudioPacket[] {
    const out = this.#drain(true);
    const run = this.#run;
    this.#run = [];
    this.stats.resyncs++;
    this.#next = run[0].sequenceNumber;
    for (const packet of run) {
      const extended = this.#extend(packet.sequenceNumber);
      this.#highest = extended;
      this.#pending.set(extended, packet);
    }
    out.push(...this.#drain(false));
    return out;
  }

  #drain(all: boolean): RtpAudioPacket[] {
    const out: RtpAudioPacket[] = [];
    while (this.#pending.size > 0 && this.#next !== undefined) {
      const packet = this.#pending.get(this.#next);
      if (packet) {
        this.#pending.delete(this.#next);
        out.push(packet);
        this.#next++;
        continue;
      }
      if (!all && this.#pending.size <= this.window) break;
      // Give up on the missing packet(s): jump to the oldest one we hold.
      const oldest = Math.min(...this.#pending.keys());
      this.stats.lost += oldest - this.#next;
      this.#next = oldest;
    }
    return out;
  }

  /** Maps a 16-bit sequence number onto an ever-rising number near the expected one. */
  #extend(sequenceNumber: number): number {
    const reference = this.#next ?? sequenceNumber;
    const delta = ((sequenceNumber - (reference & 0xffff) + 0x8000) & 0xffff) - 0x8000;
    return reference + delta;
  }
}
