import { createCipheriv, createHash, timingSafeEqual, type Hash } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { RtpHeader, RtpPacket, SrtpSession } from 'werift';

/**
 * Micro-benchmark of the per-packet SRTP cost on the receive path (AES_CM_128_HMAC_SHA1_80):
 * werift's `SrtpContext.decryptRtp` (a new HMAC and a new AES-CTR decipher per packet) against
 * a sketch of the recommended fast path (HMAC inner/outer SHA-1 states keyed once and copied,
 * one long-lived AES-ECB context making the CTR key stream). Checks both give the same bytes.
 *
 *   node -r @swc-node/register tools/bench/src/micro/srtp-decrypt.ts
 */
const PROFILE_AES_CM_SHA1_80 = 0x0001;
const N = 20_000;

/** The fast path, for one SSRC with roll-over counter 0 (enough to measure). */
class FastCtrDecrypt {
  private readonly ecb;
  private readonly inner: Hash;
  private readonly outer: Hash;
  private readonly counter = Buffer.alloc(16);
  private readonly roc = Buffer.alloc(4);

  constructor(
    sessionKey: Buffer,
    private readonly sessionSalt: Buffer,
    authKey: Buffer,
  ) {
    this.ecb = createCipheriv('aes-128-ecb', sessionKey, null).setAutoPadding(false);
    const block = Buffer.alloc(64);
    authKey.copy(block);
    this.inner = createHash('sha1').update(block.map((b) => b ^ 0x36));
    this.outer = createHash('sha1').update(block.map((b) => b ^ 0x5c));
  }

  decrypt(packet: Buffer, payloadOffset: number): Buffer {
    const body = packet.subarray(0, packet.length - 10);
    const tag = packet.subarray(packet.length - 10);
    const mac = this.outer
      .copy()
      .update(this.inner.copy().update(body).update(this.roc).digest())
      .digest()
      .subarray(0, 10);
    if (!timingSafeEqual(mac, tag)) throw new Error('auth');
    const ssrc = packet.readUInt32BE(8);
    const seq = packet.readUInt16BE(2);
    const out = Buffer.from(body);
    const payload = out.subarray(payloadOffset);
    const blocks = Math.ceil(payload.length / 16);
    const stream = Buffer.alloc(blocks * 16);
    for (let i = 0; i < blocks; i++) {
      const c = stream.subarray(i * 16, i * 16 + 16);
      c.writeUInt32BE(ssrc, 4);
      c.writeUInt32BE(0, 8); // roll-over counter
      c.writeUInt32BE(((seq << 16) >>> 0) + i, 12);
      for (let k = 0; k < this.sessionSalt.length; k++) c[k] ^= this.sessionSalt[k];
    }
    const keystream = this.ecb.update(stream);
    for (let i = 0; i < payload.length; i++) payload[i] ^= keystream[i];
    return out;
  }
}

function main(): void {
  const masterKey = Buffer.alloc(16, 7);
  const masterSalt = Buffer.alloc(14, 3);
  const keys = {
    localMasterKey: masterKey,
    localMasterSalt: masterSalt,
    remoteMasterKey: masterKey,
    remoteMasterSalt: masterSalt,
  };
  const sender = new SrtpSession({ keys, profile: PROFILE_AES_CM_SHA1_80 });
  const receiver = new SrtpSession({ keys, profile: PROFILE_AES_CM_SHA1_80 });
  const payload = Buffer.alloc(80, 0x5a); // a typical 20 ms Opus frame at 32 kb/s
  const packets: Buffer[] = [];
  for (let i = 0; i < N; i++) {
    const header = new RtpHeader({
      payloadType: 111,
      sequenceNumber: i,
      timestamp: i * 960,
      ssrc: 1234,
    });
    packets.push(sender.encrypt(payload, header));
  }
  const cipher = (
    receiver as unknown as {
      remoteContext: {
        cipher: { srtpSessionKey: Buffer; srtpSessionSalt: Buffer; srtpSessionAuthTag: Buffer };
      };
    }
  ).remoteContext.cipher;
  const fast = new FastCtrDecrypt(
    cipher.srtpSessionKey,
    cipher.srtpSessionSalt,
    cipher.srtpSessionAuthTag,
  );
  for (let i = 0; i < 1000; i++) {
    const a = receiver.decrypt(packets[i]);
    const b = fast.decrypt(packets[i], 12);
    if (!a.equals(b)) throw new Error(`fast path differs at packet ${i}`);
  }
  const time = (label: string, fn: (p: Buffer) => unknown) => {
    const t0 = performance.now();
    for (let i = 1000; i < N; i++) fn(packets[i]);
    const us = ((performance.now() - t0) * 1000) / (N - 1000);
    process.stdout.write(`${label}: ${us.toFixed(2)} µs per packet\n`);
    return us;
  };
  const slow = time('werift SrtpSession.decrypt', (p) => receiver.decrypt(p));
  const quick = time('keyed-once HMAC + ECB key stream', (p) => fast.decrypt(p, 12));
  const parse = time('RtpPacket.deSerialize (werift)', (p) => RtpPacket.deSerialize(p));
  process.stdout.write(
    `per live stream (50 packets/s): werift ${((slow * 50) / 1e4).toFixed(3)} % of a core, fast path ${((quick * 50) / 1e4).toFixed(3)} %, parse ${((parse * 50) / 1e4).toFixed(3)} %\n`,
  );
}

main();
