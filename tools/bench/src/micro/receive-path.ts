import { randomBytes } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { RtpHeader, RtpPacket, SrtpSession } from 'werift';
import { installWeriftFastPaths, installWeriftReceivePath } from '@whisperstream/werift-patches';

/**
 * Micro-benchmark of werift's per-packet receive work as the server does it for every RTP
 * packet: SRTP decrypt (AEAD AES-128-GCM), `RtpPacket.deSerialize`, and the clone handed to the
 * track. `PATCHES=none|fast|all` picks werift as it is, with the fast paths, or with the
 * receive-path patches too; `N` packets (default 200,000). Wall time is noisy on a shared
 * machine: for instruction counts run it under callgrind with N=0 and N=20000 and take the
 * difference:
 *
 *   SWC_NODE_PROJECT=tools/bench/tsconfig.run.json PATCHES=all N=20000 valgrind --tool=callgrind \
 *     --callgrind-out-file=/dev/null node -r @swc-node/register tools/bench/src/micro/receive-path.ts
 */
const patches = process.env['PATCHES'] ?? 'all';
const n = Number(process.env['N'] ?? 200_000);
if (patches !== 'none') installWeriftFastPaths();
if (patches === 'all') installWeriftReceivePath();

const PROFILE_AEAD_AES_128_GCM = 0x0007;
const key = randomBytes(16);
const salt = randomBytes(12);
const keys = {
  localMasterKey: key,
  localMasterSalt: salt,
  remoteMasterKey: key,
  remoteMasterSalt: salt,
};
const sender = new SrtpSession({ keys, profile: PROFILE_AEAD_AES_128_GCM });
const receiver = new SrtpSession({ keys, profile: PROFILE_AEAD_AES_128_GCM });
const payload = randomBytes(80); // a 20 ms Opus frame at 32 kb/s
const packets = Array.from({ length: Math.max(n, 1) }, (_, i) =>
  sender.encrypt(
    payload,
    new RtpHeader({ payloadType: 96, sequenceNumber: i & 0xffff, timestamp: i * 960, ssrc: 42 }),
  ),
);

let sink = 0;
const t0 = performance.now();
for (let i = 0; i < n; i++) {
  const packet = RtpPacket.deSerialize(receiver.decrypt(packets[i]));
  sink += packet.clone().payload.length;
}
const us = ((performance.now() - t0) * 1000) / Math.max(n, 1);
process.stdout.write(`${patches}: ${us.toFixed(2)} µs per packet (${n} packets, ${sink} bytes)\n`);
