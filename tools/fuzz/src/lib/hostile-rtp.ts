import type { Rng } from './rng';

/**
 * One packet of a hostile action. Sequence numbers and timestamps are relative to the stream's
 * next slot when the action is sent (`seqOffset`/`tsOffset`); a packet without `seqOffset`
 * takes the stream's next slot, as a normal frame would.
 */
export interface HostilePacket {
  seqOffset?: number;
  tsOffset?: number;
  payloadType?: number;
  ssrc?: number;
  marker?: boolean;
  csrc?: number[];
  extensions?: Array<{ id: number; payload: Buffer }>;
  extensionProfile?: number;
  padding?: boolean;
  payload: Buffer;
}

export interface HostileAction {
  kind: string;
  packets: HostilePacket[];
  /** Sent at real time (20 ms apart); false: all at once (above real time). */
  paced: boolean;
  /**
   * The sender restarted: its stream goes on after the last packet of this action (sequence and
   * timestamp), not where it was (issue 11, 2: a session must follow it, not go deaf).
   */
  restart?: boolean;
}

/** Payload types other than the negotiated one; 72-76 with the marker bit look like RTCP. */
const OTHER_PAYLOAD_TYPES = [0, 8, 9, 13, 63, 72, 73, 76, 97, 110, 111, 126, 127];

/** Opus packets a decoder must refuse or survive (RFC 6716 §3: TOC and frame packing). */
function garbageOpus(rng: Rng, valid: Buffer): Buffer {
  return rng.pick([
    () => rng.bytes(rng.int(1, 400)),
    () => Buffer.from([0xff, 0x00]), // code 3, no frames
    () => Buffer.from([0xff, 0x3f, ...rng.bytes(20)]), // code 3, 63 frames of nothing
    () => Buffer.from([0xfb, 0xbf, 0xff, 0xff, ...rng.bytes(10)]), // code 3 VBR, lengths past the end
    () => Buffer.from([0x01]), // code 1 with no frame data
    () => Buffer.from([0x02, 0xff, 0xff]), // code 2, first length beyond the packet
    () => valid.subarray(0, Math.max(1, Math.floor(valid.length / 2))),
    () => Buffer.concat([Buffer.from([valid[0] ^ 0x03]), valid.subarray(1)]), // frame count code changed
    () => Buffer.from([valid[0], ...rng.bytes(1275)]),
  ])();
}

/** One hostile action; `valid` is a real Opus frame of the stream (for well-formed payloads). */
export function hostileAction(rng: Rng, validFrames: readonly Buffer[]): HostileAction {
  const valid = () => rng.pick(validFrames);
  const kind = rng.weighted<string>([
    [6, 'seq-jump'],
    [5, 'seq-run'],
    [5, 'seq-restart'],
    [6, 'ts-jump'],
    [5, 'csrc'],
    [7, 'extensions'],
    [7, 'padding'],
    [7, 'wrong-pt'],
    [4, 'other-ssrc'],
    [4, 'empty-payload'],
    [4, 'huge-payload'],
    [10, 'garbage-opus'],
    [4, 'burst'],
    [3, 'marker-storm'],
    [4, 'duplicates'],
  ]);
  switch (kind) {
    case 'seq-jump': {
      const offset = rng.pick([1000, -1000, 32767, -32768, 30000, -30000, -1, -2, 32769, 5]);
      return {
        kind: `seq-jump(${offset})`,
        packets: [{ seqOffset: offset, payload: valid() }],
        paced: true,
      };
    }
    case 'seq-run': {
      // A sender that restarted: a run of in-order packets far from the expected sequence.
      const offset = rng.pick([1000, -1000, 20000, -20000]);
      const count = rng.int(6, 40);
      const tsShift = rng.bool() ? offset * 960 : 0;
      return {
        kind: `seq-run(${offset}x${count})`,
        packets: Array.from({ length: count }, (_, i) => ({
          seqOffset: offset + i,
          tsOffset: tsShift + i * 960,
          payload: valid(),
        })),
        paced: true,
      };
    }
    case 'seq-restart': {
      // The sender restarts its stream (same SSRC) elsewhere and stays there.
      const offset = rng.pick([-1000, 1000, -20000, 20000, -30000, -3]);
      const count = rng.int(3, 30);
      const tsShift = rng.pick([0, offset * 960, rng.uint32()]);
      return {
        kind: `seq-restart(${offset})`,
        packets: Array.from({ length: count }, (_, i) => ({
          seqOffset: offset + i,
          tsOffset: tsShift + i * 960,
          payload: valid(),
        })),
        paced: true,
        restart: true,
      };
    }
    case 'ts-jump': {
      const offset = rng.pick([
        2 ** 31,
        -(2 ** 31),
        -960 * 1000,
        960 * 300,
        48000 * 6,
        rng.uint32(),
        1,
      ]);
      return {
        kind: `ts-jump(${offset})`,
        packets: [{ tsOffset: offset, payload: valid() }],
        paced: true,
      };
    }
    case 'csrc': {
      const count = rng.int(1, 15);
      return {
        kind: `csrc(${count})`,
        packets: [{ csrc: Array.from({ length: count }, () => rng.uint32()), payload: valid() }],
        paced: true,
      };
    }
    case 'extensions': {
      const profile = rng.weighted<number>([
        [5, 0xbede],
        [3, 0x1000],
        [1, rng.int(0, 0xffff)],
      ]);
      let extensions: Array<{ id: number; payload: Buffer }>;
      if (profile === 0xbede) {
        extensions = Array.from({ length: rng.int(1, 14) }, () => ({
          id: rng.int(1, 14),
          payload: rng.bytes(rng.int(1, 16)),
        }));
      } else if (profile === 0x1000) {
        extensions = Array.from({ length: rng.int(1, 20) }, () => ({
          id: rng.int(1, 255),
          payload: rng.bytes(rng.int(0, 255)),
        }));
      } else {
        extensions = [{ id: 0, payload: rng.bytes(4 * rng.int(0, 200)) }];
      }
      return {
        kind: `extensions(0x${profile.toString(16)}x${extensions.length})`,
        packets: [{ extensions, extensionProfile: profile, payload: valid() }],
        paced: true,
      };
    }
    case 'padding': {
      const frame = valid();
      const variant = rng.int(0, 4);
      const payload = [
        () => Buffer.concat([frame, Buffer.from([0, 0, 3])]), // well-formed: 3 bytes of padding
        () => Buffer.concat([frame, Buffer.from([0])]), // a padding length of 0
        () => Buffer.concat([frame, Buffer.from([255])]), // more padding than the packet
        () => Buffer.alloc(0), // the flag and no payload at all
        () => frame, // the flag, and the frame's last byte read as the length
      ][variant]();
      return { kind: `padding(${variant})`, packets: [{ padding: true, payload }], paced: true };
    }
    case 'wrong-pt': {
      const payloadType = rng.pick(OTHER_PAYLOAD_TYPES);
      return {
        kind: `wrong-pt(${payloadType})`,
        packets: [{ payloadType, marker: rng.bool(0.3), payload: valid() }],
        paced: true,
      };
    }
    case 'other-ssrc':
      return {
        kind: 'other-ssrc',
        packets: [{ ssrc: rng.uint32(), seqOffset: rng.int(0, 0xffff), payload: valid() }],
        paced: true,
      };
    case 'empty-payload':
      return { kind: 'empty-payload', packets: [{ payload: Buffer.alloc(0) }], paced: true };
    case 'huge-payload': {
      const size = rng.pick([1200, 4000, 60000]);
      return {
        kind: `huge-payload(${size})`,
        packets: [{ payload: rng.bytes(size) }],
        paced: true,
      };
    }
    case 'garbage-opus': {
      const count = rng.int(1, 10);
      return {
        kind: `garbage-opus(${count})`,
        packets: Array.from({ length: count }, () => ({ payload: garbageOpus(rng, valid()) })),
        paced: true,
      };
    }
    case 'burst': {
      const count = rng.int(50, 250);
      return {
        kind: `burst(${count})`,
        packets: Array.from({ length: count }, () => ({ payload: valid() })),
        paced: false,
      };
    }
    case 'marker-storm':
      return {
        kind: 'marker-storm',
        packets: Array.from({ length: 20 }, () => ({ marker: true, payload: valid() })),
        paced: true,
      };
    default: {
      const times = rng.int(5, 20);
      const payload = valid();
      return {
        kind: `duplicates(${times})`,
        packets: Array.from({ length: times }, () => ({ seqOffset: 0, tsOffset: 0, payload })),
        paced: rng.bool(),
      };
    }
  }
}
