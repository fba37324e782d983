import { createHash, randomBytes } from 'node:crypto';
import { RtpHeader, RtpPacket, SrtcpSession, SrtpSession } from 'werift';

/** Sample RTP packets and SRTP sessions for the patches' tests (not shipped code). */

export const PROFILE_AES_CM_128_HMAC_SHA1_80 = 0x0001;
export const PROFILE_AEAD_AES_128_GCM = 0x0007;

/** A deterministic pseudo-random source, so a failure names a reproducible case. */
export function prng(seed: number) {
  let state = createHash('sha256').update(String(seed)).digest();
  let pos = 0;
  return (n: number): number => {
    if (pos + 4 > state.length) {
      state = createHash('sha256').update(state).digest();
      pos = 0;
    }
    const v = state.readUInt32BE(pos);
    pos += 4;
    return v % n;
  };
}

/** A random valid RTP packet as a sender builds it: CSRCs, RFC 8285 extensions, padding. */
export function randomPacket(seed: number): Buffer {
  const r = prng(seed);
  const kind = r(4); // none, one-byte, two-byte, other profile
  const extensions =
    kind === 1
      ? Array.from({ length: 1 + r(4) }, () => ({
          id: 1 + r(14),
          payload: randomBytes(1 + r(16)),
        }))
      : kind === 2
        ? Array.from({ length: 1 + r(4) }, () => ({
            id: 1 + r(255),
            payload: randomBytes(r(20)),
          }))
        : kind === 3
          ? [{ id: 0, payload: randomBytes(4 * (1 + r(4))) }]
          : [];
  const padding = r(3) === 0;
  const header = new RtpHeader({
    padding,
    paddingSize: padding ? 1 + r(16) : 0,
    marker: r(2) === 1,
    payloadType: r(128),
    sequenceNumber: r(65536),
    timestamp: r(2 ** 32),
    ssrc: r(2 ** 32),
    csrc: Array.from({ length: r(16) }, () => r(2 ** 32)),
    extensionProfile: kind === 2 ? 0x1000 : kind === 3 ? 0xabcd : 0xbede,
    extensions,
  } as Partial<RtpHeader>);
  return new RtpPacket(header, randomBytes(r(200))).serialize();
}

export function srtpPair(profile: number) {
  const key = randomBytes(16);
  const salt = randomBytes(profile === PROFILE_AES_CM_128_HMAC_SHA1_80 ? 14 : 12);
  const keys = {
    localMasterKey: key,
    localMasterSalt: salt,
    remoteMasterKey: key,
    remoteMasterSalt: salt,
  };
  return { srtp: new SrtpSession({ keys, profile }), srtcp: new SrtcpSession({ keys, profile }) };
}
