import { createHmac } from 'node:crypto';
import type { Rng } from './rng';

/** What the datagram generator knows about the live session it aims at. */
export interface DatagramContext {
  /** The server's ICE ufrag (its answer) and the client's (its offer): a plausible USERNAME. */
  serverUfrag: string;
  clientUfrag: string;
  /** The client's real SSRC, to spoof it from another address. */
  clientSsrc: number;
}

export interface Datagram {
  kind: string;
  data: Buffer;
}

const STUN_COOKIE = 0x2112a442;
const STUN_ATTR = {
  username: 0x0006,
  messageIntegrity: 0x0008,
  errorCode: 0x0009,
  unknownAttributes: 0x000a,
  xorMappedAddress: 0x0020,
  priority: 0x0024,
  useCandidate: 0x0025,
  software: 0x8022,
  fingerprint: 0x8028,
  iceControlled: 0x8029,
  iceControlling: 0x802a,
};

/** One datagram for the server's ICE port: random bytes, or STUN-, DTLS-, RTP- or RTCP-looking. */
export function datagram(rng: Rng, ctx: DatagramContext): Datagram {
  const kind = rng.weighted<string>([
    [20, 'random'],
    [30, 'stun'],
    [20, 'dtls'],
    [15, 'rtp'],
    [8, 'rtcp'],
    [4, 'turn-channel'],
    [3, 'edge-size'],
  ]);
  switch (kind) {
    case 'stun':
      return stun(rng, ctx);
    case 'dtls':
      return { kind: 'dtls', data: dtls(rng) };
    case 'rtp':
      return { kind: 'rtp', data: rtpLike(rng, ctx) };
    case 'rtcp':
      return { kind: 'rtcp', data: rtcpLike(rng, ctx) };
    case 'turn-channel': {
      const body = rng.bytes(rng.int(0, 200));
      const head = Buffer.alloc(4);
      head.writeUInt16BE(rng.int(0x4000, 0x4fff), 0);
      head.writeUInt16BE(rng.bool() ? body.length : rng.int(0, 0xffff), 2);
      return { kind: 'turn-channel', data: Buffer.concat([head, body]) };
    }
    case 'edge-size':
      return {
        kind: 'edge-size',
        data: rng.pick([
          Buffer.alloc(0),
          Buffer.from([rng.int(0, 255)]),
          rng.bytes(rng.pick([19, 20, 1500, 9000, 65507])),
        ]),
      };
    default:
      return { kind: 'random', data: rng.bytes(rng.int(1, 1400)) };
  }
}

function attribute(type: number, value: Buffer, lengthOverride?: number): Buffer {
  const head = Buffer.alloc(4);
  head.writeUInt16BE(type, 0);
  head.writeUInt16BE(lengthOverride ?? value.length, 2);
  const pad = Buffer.alloc((4 - (value.length % 4)) % 4);
  return Buffer.concat([head, value, pad]);
}

function stun(rng: Rng, ctx: DatagramContext): Datagram {
  const type = rng.weighted<number>([
    [6, 0x0001], // binding request
    [2, 0x0011], // binding indication
    [2, 0x0101], // binding success
    [1, 0x0111], // binding error
    [1, rng.int(0, 0x3fff)],
  ]);
  const attributes: Buffer[] = [];
  const username = rng.weighted<string>([
    [5, `${ctx.serverUfrag}:${ctx.clientUfrag}`],
    [1, `${ctx.serverUfrag}:`],
    [1, ctx.serverUfrag],
    [1, 'x'.repeat(rng.pick([513, 2000]))],
    [1, rng.bytes(rng.int(0, 40)).toString('latin1')],
  ]);
  if (rng.bool(0.85))
    attributes.push(attribute(STUN_ATTR.username, Buffer.from(username, 'latin1')));
  if (rng.bool(0.6))
    attributes.push(attribute(STUN_ATTR.priority, rng.bytes(rng.pick([4, 4, 4, 0, 3, 8]))));
  if (rng.bool(0.3))
    attributes.push(
      attribute(STUN_ATTR.useCandidate, rng.bool(0.8) ? Buffer.alloc(0) : rng.bytes(4)),
    );
  if (rng.bool(0.5))
    attributes.push(
      attribute(
        rng.pick([STUN_ATTR.iceControlling, STUN_ATTR.iceControlled]),
        rng.bytes(rng.pick([8, 8, 4, 0])),
      ),
    );
  if (rng.bool(0.2))
    attributes.push(attribute(STUN_ATTR.xorMappedAddress, rng.bytes(rng.pick([8, 20, 2, 0]))));
  if (rng.bool(0.15)) attributes.push(attribute(STUN_ATTR.errorCode, rng.bytes(rng.int(0, 40))));
  if (rng.bool(0.1))
    attributes.push(attribute(STUN_ATTR.unknownAttributes, rng.bytes(rng.int(0, 10))));
  if (rng.bool(0.1))
    attributes.push(attribute(STUN_ATTR.software, Buffer.from('x'.repeat(rng.int(0, 900)))));
  if (rng.bool(0.3)) attributes.push(attribute(rng.int(0, 0xffff), rng.bytes(rng.int(0, 64))));
  if (rng.bool(0.1))
    attributes.push(attribute(rng.int(0, 0xffff), rng.bytes(8), rng.pick([0xffff, 200, 1])));

  const txid = rng.bytes(12);
  const cookie = rng.bool(0.9) ? STUN_COOKIE : rng.uint32();
  const build = (attrs: Buffer[], lengthOverride?: number) => {
    const body = Buffer.concat(attrs);
    const head = Buffer.alloc(20);
    head.writeUInt16BE(type, 0);
    head.writeUInt16BE(lengthOverride ?? body.length, 2);
    head.writeUInt32BE(cookie >>> 0, 4);
    txid.copy(head, 8);
    return Buffer.concat([head, body]);
  };
  let variant = 'stun';
  if (rng.bool(0.7)) {
    // MESSAGE-INTEGRITY over the message so far with a key that is not the server's ice-pwd.
    const withLength = build(attributes, Buffer.concat(attributes).length + 24);
    const mac = rng.bool(0.7)
      ? createHmac('sha1', rng.bytes(22)).update(withLength).digest()
      : rng.bytes(rng.pick([20, 19, 0]));
    attributes.push(attribute(STUN_ATTR.messageIntegrity, mac));
    variant = 'stun-bad-integrity';
  }
  if (rng.bool(0.6)) {
    const withLength = build(attributes, Buffer.concat(attributes).length + 8);
    const value = Buffer.alloc(4);
    const right = (crc32(withLength) ^ 0x5354554e) >>> 0;
    value.writeUInt32BE(rng.bool(0.7) ? right : rng.uint32(), 0);
    attributes.push(attribute(STUN_ATTR.fingerprint, value));
  }
  const lengthOverride = rng.bool(0.15)
    ? rng.pick([0, 4, 0xffff, Buffer.concat(attributes).length + 4])
    : undefined;
  let data = build(attributes, lengthOverride);
  if (rng.bool(0.1)) data = data.subarray(0, rng.int(0, data.length));
  return { kind: variant, data };
}

function dtls(rng: Rng): Buffer {
  const records: Buffer[] = [];
  const count = rng.weighted([
    [8, 1],
    [2, 2],
    [1, 5],
  ] as const);
  for (let i = 0; i < count; i++) {
    const type = rng.weighted<number>([
      [5, 22], // handshake
      [2, 21], // alert
      [2, 20], // change cipher spec
      [3, 23], // application data
      [1, rng.int(20, 63)],
    ]);
    let body: Buffer;
    if (type === 22) {
      const message = rng.bytes(rng.int(0, 300));
      const head = Buffer.alloc(12);
      head[0] = rng.pick([1, 2, 3, 11, 12, 14, 16, 20, rng.int(0, 255)]);
      head.writeUIntBE(rng.bool(0.7) ? message.length : rng.int(0, 0xffffff), 1, 3);
      head.writeUInt16BE(rng.int(0, 5), 4);
      head.writeUIntBE(rng.bool(0.8) ? 0 : rng.int(0, 0xffffff), 6, 3);
      head.writeUIntBE(rng.bool(0.7) ? message.length : rng.int(0, 0xffffff), 9, 3);
      body = Buffer.concat([head, message]);
    } else if (type === 21) {
      body = Buffer.from([
        rng.pick([1, 2, rng.int(0, 255)]),
        rng.pick([0, 10, 40, 80, rng.int(0, 255)]),
      ]);
    } else if (type === 20) {
      body = Buffer.from([1]);
    } else {
      body = rng.bytes(rng.int(0, 600));
    }
    const head = Buffer.alloc(13);
    head[0] = type;
    head.writeUInt16BE(rng.pick([0xfefd, 0xfefd, 0xfeff, 0x0303, rng.int(0, 0xffff)]), 1);
    head.writeUInt16BE(rng.pick([0, 0, 1, rng.int(0, 0xffff)]), 3);
    head.writeUIntBE(rng.int(0, 0xffffffffffff), 5, 6);
    head.writeUInt16BE(rng.bool(0.8) ? body.length : rng.int(0, 0xffff), 11);
    records.push(head, body);
  }
  return Buffer.concat(records);
}

function rtpLike(rng: Rng, ctx: DatagramContext): Buffer {
  const head = Buffer.alloc(12);
  head[0] = 0x80 | (rng.bool(0.2) ? rng.int(0, 0x3f) : 0);
  head[1] = rng.pick([96, 111, 0, rng.int(0, 127)]) | (rng.bool(0.1) ? 0x80 : 0);
  head.writeUInt16BE(rng.int(0, 0xffff), 2);
  head.writeUInt32BE(rng.uint32(), 4);
  head.writeUInt32BE(rng.bool(0.5) ? ctx.clientSsrc >>> 0 : rng.uint32(), 8);
  return Buffer.concat([
    head,
    rng.bytes(rng.int(0, 300)),
    rng.bool(0.8) ? rng.bytes(16) : Buffer.alloc(0),
  ]);
}

function rtcpLike(rng: Rng, ctx: DatagramContext): Buffer {
  const body = rng.bytes(rng.pick([0, 4, 20, 24, 100]));
  const head = Buffer.alloc(8);
  head[0] = 0x80 | rng.int(0, 31);
  head[1] = rng.int(192, 223);
  head.writeUInt16BE(rng.bool(0.6) ? (body.length + 8) / 4 - 1 : rng.int(0, 0xffff), 2);
  head.writeUInt32BE(rng.bool(0.5) ? ctx.clientSsrc >>> 0 : rng.uint32(), 4);
  return Buffer.concat([head, body, rng.bool(0.7) ? rng.bytes(14) : Buffer.alloc(0)]);
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (ISO-HDLC), as STUN's FINGERPRINT uses it. */
export function crc32(data: Buffer): number {
  let c = 0xffffffff;
  for (const byte of data) c = CRC_TABLE[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
