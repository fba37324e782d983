import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  createSecretKey,
  randomBytes,
  type KeyObject,
} from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { RtpHeader, RtpPacket, SrtpSession } from 'werift';
import {
  installWeriftFastPaths,
  weriftFastPaths,
  weriftOriginals,
} from '@whisperstream/werift-patches';

/**
 * Micro-benchmark of the werift fast paths (libs/werift-patches/src/lib/fast-paths.ts) against
 * werift's own code, plus the Node crypto alternatives they were chosen among:
 *
 *   SWC_NODE_PROJECT=tools/bench/tsconfig.run.json node -r @swc-node/register tools/bench/src/micro/werift-fast-paths.ts
 */
const mod = { installWeriftFastPaths, weriftOriginals, weriftFastPaths };

const N = 20_000;
const X25519 = 29;

function time(label: string, n: number, fn: (i: number) => unknown, warmUp = true): number {
  if (warmUp) for (let i = 0; i < Math.min(1000, n); i++) fn(i);
  const t0 = performance.now();
  for (let i = 0; i < n; i++) fn(i);
  const us = ((performance.now() - t0) * 1000) / n;
  process.stdout.write(`  ${label}: ${us.toFixed(2)} µs\n`);
  return us;
}

function sessions(profile: number) {
  const key = randomBytes(16);
  const salt = randomBytes(profile === 1 ? 14 : 12);
  const keys = {
    localMasterKey: key,
    localMasterSalt: salt,
    remoteMasterKey: key,
    remoteMasterSalt: salt,
  };
  return [new SrtpSession({ keys, profile }), new SrtpSession({ keys, profile })] as const;
}

function packetsFor(sender: SrtpSession): Buffer[] {
  const payload = randomBytes(80); // a 20 ms Opus frame at 32 kb/s
  return Array.from({ length: N }, (_, i) =>
    sender.encrypt(
      payload,
      new RtpHeader({ payloadType: 111, sequenceNumber: i, timestamp: i * 960, ssrc: 1234 }),
    ),
  );
}

function main(): void {
  const { weriftOriginals: original, weriftFastPaths: fast } = mod;
  const results: Record<string, number> = {};

  process.stdout.write('RTP header parse (a 12-byte header + 80-byte payload):\n');
  const plain = new RtpPacket(
    new RtpHeader({ payloadType: 111, sequenceNumber: 1, timestamp: 960, ssrc: 1234 }),
    randomBytes(80),
  ).serialize();
  results.parseOriginal = time('werift RtpHeader.deSerialize', N, () =>
    original.parseRtpHeader(plain),
  );
  results.parseFast = time('fast path', N, () => fast.parseRtpHeader(plain));

  process.stdout.write('HMAC-SHA1-80 over 92 bytes + ROC, alternatives:\n');
  const authKey = randomBytes(20);
  const authKeyObject: KeyObject = createSecretKey(authKey);
  const body = randomBytes(92);
  const roc = Buffer.alloc(4);
  time('createHmac(Buffer) per packet (werift)', N, () =>
    createHmac('sha1', authKey).update(body).update(roc).digest(),
  );
  time('createHmac(KeyObject) per packet', N, () =>
    createHmac('sha1', authKeyObject).update(body).update(roc).digest(),
  );
  const block = Buffer.alloc(64);
  authKey.copy(block);
  const inner = createHash('sha1').update(block.map((b) => b ^ 0x36));
  const outer = createHash('sha1').update(block.map((b) => b ^ 0x5c));
  time('keyed-once SHA-1 states, copied', N, () =>
    outer.copy().update(inner.copy().update(body).update(roc).digest()).digest(),
  );

  process.stdout.write('AES-128 key stream for 80 bytes, alternatives:\n');
  const key = randomBytes(16);
  const keyObject = createSecretKey(key);
  const iv = randomBytes(16);
  const payload = randomBytes(80);
  time('createDecipheriv(ctr, Buffer) per packet (werift)', N, () =>
    createDecipheriv('aes-128-ctr', key, iv).update(payload),
  );
  time('createDecipheriv(ctr, KeyObject) per packet', N, () =>
    createDecipheriv('aes-128-ctr', keyObject, iv).update(payload),
  );
  const ecb = createCipheriv('aes-128-ecb', key, null).setAutoPadding(false);
  const counters = Buffer.alloc(96);
  time('one ECB context, 6 counter blocks + XOR (kept)', N, () => {
    for (let b = 0; b < 6; b++) iv.copy(counters, b * 16);
    const stream = ecb.update(counters);
    const out = Buffer.from(payload);
    for (let i = 0; i < out.length; i++) out[i] ^= stream[i];
    return out;
  });
  time('createDecipheriv(gcm, Buffer) per packet (werift GCM floor)', N, () =>
    createDecipheriv('aes-128-gcm', key, iv.subarray(0, 12)).update(payload),
  );
  time('createDecipheriv(gcm, KeyObject) per packet', N, () =>
    createDecipheriv('aes-128-gcm', keyObject, iv.subarray(0, 12)).update(payload),
  );

  const [ctrTx] = sessions(1);
  const ctrPackets = packetsFor(ctrTx);
  const [gcmTx] = sessions(7);
  const gcmPackets = packetsFor(gcmTx);
  process.stdout.write('X25519 key pair + shared secret (one DTLS handshake):\n');
  const peer = original.generateKeyPair(X25519);
  results.x25519Original = time('werift (tweetnacl)', 300, () =>
    original.prfPreMasterSecret(peer.publicKey, original.generateKeyPair(X25519).privateKey, 29),
  );
  results.x25519Fast = time('fast path (node:crypto)', 300, () =>
    fast.prfPreMasterSecret(peer.publicKey, fast.generateKeyPair(X25519).privateKey, 29),
  );

  // Stateful (roll-over counter): a fresh receiver with the sender's keys per run, no warm-up.
  const run = (label: string, tx: SrtpSession, profile: number, packets: Buffer[]) => {
    const rx = rxLike(tx, profile);
    return time(label, N, (i) => RtpPacket.deSerialize(rx.decrypt(packets[i])), false);
  };
  for (let round = 0; round < 2; round++) {
    process.stdout.write(`SrtpSession.decrypt + RtpPacket.deSerialize, round ${round + 1}:\n`);
    results.ctrOriginal = run('AES-CM/HMAC-SHA1, werift', ctrTx, 1, ctrPackets);
    results.gcmOriginal = run('AEAD AES-128-GCM, werift', gcmTx, 7, gcmPackets);
  }
  const ctrProto = Object.getPrototypeOf(
    (rxLike(ctrTx, 1) as unknown as { remoteContext: { cipher: object } }).remoteContext.cipher,
  ) as { decryptRtp: unknown };
  const weriftCtrDecrypt = ctrProto.decryptRtp;
  if (!mod.installWeriftFastPaths()) throw new Error('fast paths not installed');
  const fastCtrDecrypt = ctrProto.decryptRtp;
  for (let round = 0; round < 2; round++) {
    process.stdout.write(`the same with the fast paths, round ${round + 1}:\n`);
    ctrProto.decryptRtp = weriftCtrDecrypt;
    results.ctrHeaderOnly = run('AES-CM/HMAC-SHA1, header parse only', ctrTx, 1, ctrPackets);
    ctrProto.decryptRtp = fastCtrDecrypt;
    results.ctrFast = run('AES-CM/HMAC-SHA1, header parse + AES-CM', ctrTx, 1, ctrPackets);
    results.gcmFast = run('AEAD AES-128-GCM, header parse', gcmTx, 7, gcmPackets);
  }
  const pct = (us: number) => ((us * 50) / 1e4).toFixed(3);
  process.stdout.write(
    `per live stream (50 packets/s), % of a core: AES-CM ${pct(results.ctrOriginal)} -> ${pct(results.ctrHeaderOnly)} (header) -> ${pct(results.ctrFast)} (+AES-CM), GCM ${pct(results.gcmOriginal)} -> ${pct(results.gcmFast)}\n` +
      `per DTLS handshake: X25519 ${results.x25519Original.toFixed(0)} -> ${results.x25519Fast.toFixed(0)} µs\n`,
  );
}

function rxLike(tx: SrtpSession, profile: number): SrtpSession {
  const { keys } = (tx as unknown as { config: ConstructorParameters<typeof SrtpSession>[0] })
    .config;
  return new SrtpSession({ keys, profile });
}

main();
