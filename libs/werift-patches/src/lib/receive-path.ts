import { createDecipheriv } from 'node:crypto';
import { RtpHeader, RtpPacket } from 'werift';
import { emptyRtpHeader } from './fast-paths';
import { isPatchableWerift, weriftRequire } from './werift-internals';

/**
 * Per-packet receive work of werift 0.24 made lean, measured with tools/bench
 * (`src/micro/receive-path.ts`, instruction counts under callgrind, and the live bench). Every
 * received RTP packet is decrypted (SRTP, AEAD AES-128-GCM with werift peers and browsers),
 * parsed into an `RtpPacket`, and cloned once more for the track. Each replacement returns what
 * werift's returns; the originals stay in {@link weriftReceiveOriginals} for the tests.
 */

type RtpPacketFields = { header: RtpHeader; payload: Buffer };

/**
 * werift's `RtpPacket` constructor defines its two fields with `Object.defineProperty`; this one
 * makes the same own properties (same order, same attributes: writable, enumerable,
 * configurable) by assignment, on the same prototype.
 */
const LeanRtpPacket = function (this: RtpPacketFields, header: RtpHeader, payload: Buffer) {
  this.header = header;
  this.payload = payload;
} as unknown as new (header: RtpHeader, payload: Buffer) => RtpPacket;
LeanRtpPacket.prototype = RtpPacket.prototype;

/**
 * `RtpPacket.prototype.clone`: werift copies the header through `new RtpHeader({...header})`,
 * 15 `Object.defineProperty` calls then `Object.assign`. Same copy (own enumerable properties,
 * so arrays stay shared as in werift), from the fast header's defaults.
 */
function clone(this: RtpPacket): RtpPacket {
  const header = Object.assign(emptyRtpHeader(), this.header);
  return new LeanRtpPacket(header, this.payload);
}

/** `RtpPacket.deSerialize`, with the lean packet around the (fast) header. */
function deSerialize(buf: Buffer): RtpPacket {
  const header = RtpHeader.deSerialize(buf);
  return new LeanRtpPacket(
    header,
    buf.subarray(header.payloadOffset, buf.length - header.paddingSize),
  );
}

interface SrtpPacketModule {
  parseSrtpRtpHeader(packet: Buffer, authTagLength: number): RtpHeader;
  finalizeSrtpRtpHeader(header: RtpHeader, packet: Buffer): RtpHeader;
}
interface SrtpErrorModule {
  SrtpAuthenticationError: new (message: string) => Error;
}
interface GcmCipherLike {
  aeadAuthTagLen: number;
  srtpSessionKey: Buffer;
  srtpSessionSalt: Buffer;
}
type GcmDecryptRtp = (
  this: GcmCipherLike,
  cipherText: Buffer,
  rolloverCounter: number,
  header?: RtpHeader,
) => [Buffer, RtpHeader];
interface GcmModule {
  CipherAesGcm: { prototype: { decryptRtp: GcmDecryptRtp } };
}

const srtpPacket = weriftRequire('../../rtp/src/srtp/packet.js') as SrtpPacketModule;
const srtpError = weriftRequire('../../rtp/src/srtp/error.js') as SrtpErrorModule;
const gcmModule = weriftRequire('../../rtp/src/srtp/cipher/gcm.js') as GcmModule;

/**
 * `CipherAesGcm.prototype.decryptRtp` (RFC 7714): the same IV, AAD, tag check, output and
 * errors, without werift's per-packet extras: a zero-filled output grown from an empty buffer,
 * a generic field writer for the 12-byte IV, and a `slice` copy of the ciphertext view.
 */
function gcmDecryptRtp(
  this: GcmCipherLike,
  cipherText: Buffer,
  rolloverCounter: number,
  header: RtpHeader = srtpPacket.parseSrtpRtpHeader(cipherText, this.aeadAuthTagLen),
): [Buffer, RtpHeader] {
  const payloadOffset = header.payloadOffset;
  const authTagOffset = cipherText.length - this.aeadAuthTagLen;
  const headerBuffer = cipherText.subarray(0, payloadOffset);
  // RFC 7714 §8.1: 00 00 | SSRC | ROC | SEQ, XOR the session salt.
  const iv = Buffer.allocUnsafe(12);
  iv.writeUInt16BE(0, 0);
  iv.writeUInt32BE(header.ssrc >>> 0, 2);
  iv.writeUInt32BE(rolloverCounter >>> 0, 6);
  iv.writeUInt16BE(header.sequenceNumber & 0xffff, 10);
  const salt = this.srtpSessionSalt;
  for (let i = 0; i < 12; i++) iv[i] ^= salt[i];
  const decipher = createDecipheriv('aes-128-gcm', this.srtpSessionKey, iv);
  decipher.setAAD(headerBuffer);
  decipher.setAuthTag(cipherText.subarray(authTagOffset));
  const dec = decipher.update(cipherText.subarray(payloadOffset, authTagOffset));
  try {
    decipher.final();
  } catch {
    throw new srtpError.SrtpAuthenticationError('Failed to authenticate SRTP packet');
  }
  const dst = Buffer.allocUnsafe(authTagOffset);
  headerBuffer.copy(dst, 0);
  dec.copy(dst, payloadOffset);
  return [dst, srtpPacket.finalizeSrtpRtpHeader(header, dst)];
}

/** werift's own functions, as they were before any patch. */
export const weriftReceiveOriginals = {
  clone: RtpPacket.prototype.clone as (this: RtpPacket) => RtpPacket,
  deSerialize: RtpPacket.deSerialize.bind(RtpPacket) as (buf: Buffer) => RtpPacket,
  gcmDecryptRtp: gcmModule.CipherAesGcm.prototype.decryptRtp,
};

/** The replacements, for the same comparisons. */
export const weriftReceiveFastPaths = { clone, deSerialize, gcmDecryptRtp };

let installed = false;

/** Installs the receive-path patches (once per process); false for another werift version. */
export function installWeriftReceivePath(): boolean {
  if (installed) return true;
  if (!isPatchableWerift()) return false;
  installed = true;
  RtpPacket.prototype.clone = clone;
  RtpPacket.deSerialize = deSerialize;
  gcmModule.CipherAesGcm.prototype.decryptRtp = gcmDecryptRtp;
  return true;
}
