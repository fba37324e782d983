import { createDecipheriv, createCipheriv, diffieHellman, generateKeyPairSync } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import nacl from 'tweetnacl';

/**
 * Per-session crypto costs outside the SRTP HMAC path:
 * - the DTLS key exchange: werift's X25519 is tweetnacl (pure JS: `box.keyPair` + `scalarMult`)
 *   where Node has it natively (`generateKeyPairSync('x25519')` + `diffieHellman`);
 * - AEAD_AES_128_GCM SRTP (what werift peers negotiate): the unavoidable floor of one
 *   `createDecipheriv` per packet, to compare with werift's whole decrypt.
 *
 *   node -r @swc-node/register tools/bench/src/micro/handshake-crypto.ts
 */
function time(label: string, n: number, fn: () => unknown): number {
  for (let i = 0; i < Math.min(50, n); i++) fn();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) fn();
  const us = ((performance.now() - t0) * 1000) / n;
  process.stdout.write(`${label}: ${us.toFixed(1)} µs\n`);
  return us;
}

const peer = nacl.box.keyPair();
const js = time('tweetnacl X25519 key pair + shared secret (werift today)', 200, () => {
  const own = nacl.box.keyPair();
  return nacl.scalarMult(own.secretKey, peer.publicKey);
});
const peerNative = generateKeyPairSync('x25519');
const native = time('node:crypto X25519 key pair + diffieHellman', 200, () => {
  const own = generateKeyPairSync('x25519');
  return diffieHellman({ privateKey: own.privateKey, publicKey: peerNative.publicKey });
});
process.stdout.write(`-> ${(js - native).toFixed(0)} µs saved per DTLS handshake\n`);

const key = Buffer.alloc(16, 1);
const iv = Buffer.alloc(12, 2);
const aad = Buffer.alloc(12, 3);
const c = createCipheriv('aes-128-gcm', key, iv).setAAD(aad);
const payload = Buffer.concat([c.update(Buffer.alloc(80, 9)), c.final()]);
const tag = c.getAuthTag();
time(
  'AES-128-GCM decrypt of an 80-byte payload (createDecipheriv per packet, the floor)',
  20_000,
  () => {
    const d = createDecipheriv('aes-128-gcm', key, iv).setAAD(aad).setAuthTag(tag);
    const out = d.update(payload);
    d.final();
    return out;
  },
);
