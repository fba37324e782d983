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
  /** Packets that arrived after the window had moved past them (dropped). */
  late: number;
  /** Packets that arrived out of order but in time, and were put back in place. */
  reordered: number;
}

/**
 * Puts RTP packets back in sequence order, holding at most `window` packets while it waits
 * for a missing one. Handles 16-bit sequence wrap-around. Pure: no timers, no I/O.
 */
export class RtpReorderBuffer {
  readonly stats: ReorderStats = { received: 0, lost: 0, duplicates: 0, late: 0, reordered: 0 };
  readonly #pending = new Map<number, RtpAudioPacket>();
  #next: number | undefined;
  #highest = -1;

  constructor(private readonly window = 5) {}

  push(packet: RtpAudioPacket): RtpAudioPacket[] {
    this.stats.received++;
    if (this.#next === undefined) this.#next = packet.sequenceNumber;
    const extended = this.#extend(packet.sequenceNumber);
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
    return this.#drain(true);
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
