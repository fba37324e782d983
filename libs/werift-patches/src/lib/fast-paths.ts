import {
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  generateKeyPairSync,
  sign,
  type KeyObject,
} from 'node:crypto';
import { RtpHeader } from 'werift';
import { isPatchableWerift, weriftRequire } from './werift-internals';

/**
 * Runtime fast paths for werift 0.24's RTP header parsing and DTLS key exchange, measured by
 * tools/bench (`src/micro/werift-fast-paths.ts` and the live bench). Each replaces one werift
 * function with one that returns the same bytes; the originals stay in {@link weriftOriginals}
 * so the tests compare both on real packets. Process-wide and idempotent; the server and the
 * load generator's clients both install them.
 */

interface KeyPair {
  curve: number;
  privateKey: Buffer;
  publicKey: Buffer;
}
interface NamedCurveModule {
  generateKeyPair(curve: number): KeyPair;
}
interface PrfModule {
  prfPreMasterSecret(publicKey: Buffer, privateKey: Buffer, curve: number): Buffer;
}
/** The parts of @fidm/x509's PrivateKey that werift's CipherContext signs with. */
interface X509PrivateKey {
  toDER(): Buffer;
  sign(data: Buffer, hashAlgorithm: string): Buffer;
}
interface CipherContextLike {
  localPrivateKey?: X509PrivateKey;
  generateKeySignature(hashAlgorithm: string): Buffer;
}
interface CipherModule {
  CipherContext: {
    prototype: CipherContextLike & {
      signatureData(this: CipherContextLike, data: Buffer, hash: string): Buffer;
    };
  };
}
const namedCurve = weriftRequire('../../dtls/src/cipher/namedCurve.js') as NamedCurveModule;
const prf = weriftRequire('../../dtls/src/cipher/prf.js') as PrfModule;
const cipherModule = weriftRequire('../../dtls/src/context/cipher.js') as CipherModule;

type RtpHeaderFields = {
  -readonly [
    K in keyof RtpHeader as RtpHeader[K] extends (...args: never[]) => unknown ? never : K
  ]: RtpHeader[K];
};

/**
 * werift builds each header with 15 `Object.defineProperty` calls and reads every flag through
 * `getBit`, which formats the byte as a binary string: ~6 µs a packet, done twice per packet
 * (once to authenticate, once after decrypting). This constructor makes the same own properties,
 * in the same order and with the same attributes, on the same prototype.
 */
const ParsedRtpHeader = function (this: RtpHeaderFields) {
  this.version = 2;
  this.padding = false;
  this.paddingSize = 0;
  this.extension = false;
  this.marker = false;
  this.payloadOffset = 0;
  this.payloadType = 0;
  this.sequenceNumber = 0;
  this.timestamp = 0;
  this.ssrc = 0;
  this.csrcLength = 0;
  this.csrc = [];
  this.extensionProfile = 0xbede;
  this.extensionLength = undefined;
  this.extensions = [];
} as unknown as new () => RtpHeaderFields;
ParsedRtpHeader.prototype = RtpHeader.prototype;

/** A header with werift's defaults, made as fast as {@link parseRtpHeader} makes its own. */
export function emptyRtpHeader(): RtpHeader {
  return new ParsedRtpHeader() as RtpHeader;
}

/** `RtpHeader.deSerialize` with plain masks; malformed input behaves as werift's does. */
export function parseRtpHeader(raw: Buffer): RtpHeader {
  const h = new ParsedRtpHeader();
  const b0 = raw[0];
  const b1 = raw[1];
  h.version = b0 >> 6;
  h.padding = (b0 & 0x20) !== 0;
  h.extension = (b0 & 0x10) !== 0;
  const count = b0 & 0x0f;
  h.csrcLength = count;
  h.marker = (b1 & 0x80) !== 0;
  h.payloadType = b1 & 0x7f;
  h.sequenceNumber = raw.readUInt16BE(2);
  h.timestamp = raw.readUInt32BE(4);
  h.ssrc = raw.readUInt32BE(8);
  let offset = 12;
  const csrc = new Array<number>(count);
  for (let i = 0; i < count; i++, offset += 4) csrc[i] = raw.readUInt32BE(offset);
  h.csrc = csrc;
  if (h.extension) {
    h.extensionProfile = raw.readUInt16BE(offset) as RtpHeader['extensionProfile'];
    const length = raw.readUInt16BE(offset + 2) * 4;
    h.extensionLength = length;
    offset += 4;
    const end = offset + length;
    if (h.extensionProfile === 0xbede) {
      // RFC 8285 one-byte header; werift's loop, byte for byte (it reads past the end as 0).
      while (offset < end) {
        const byte = raw[offset];
        if (byte === 0x00) {
          offset++;
          continue;
        }
        const id = byte >> 4;
        const len = (byte & (byte ^ 0xf0)) + 1;
        offset++;
        if (id === 0xf) break;
        h.extensions.push({ id, payload: raw.subarray(offset, offset + len) });
        offset += len;
      }
    } else if (h.extensionProfile === 0x1000) {
      // RFC 8285 two-byte header.
      while (offset < end) {
        if (raw[offset] === 0x00) {
          offset++;
          continue;
        }
        const id = raw[offset++];
        const len = raw[offset++];
        h.extensions.push({ id, payload: raw.subarray(offset, offset + len) });
        offset += len;
      }
    } else {
      const payload = raw.subarray(offset, offset + length);
      h.extensions.push({ id: 0, payload });
      offset += payload.length;
    }
  }
  h.payloadOffset = offset;
  if (h.padding) h.paddingSize = raw[raw.length - 1];
  return h as RtpHeader;
}

const X25519 = 29; // NamedCurveAlgorithm.x25519_29
/** DER prefix that wraps a raw 32-byte X25519 private key as PKCS#8 (a fallback only). */
const PKCS8_X25519 = Buffer.from('302e020100300506032b656e04220420', 'hex');
/** The KeyObject behind each raw private key this module made, so it is not parsed back. */
const x25519Keys = new WeakMap<Buffer, KeyObject>();

/**
 * werift's DTLS does X25519 in pure JS (tweetnacl): over 1 ms of blocked event loop per
 * handshake where Node's native X25519 takes ~0.1 ms. Same raw 32-byte keys, same shared secret.
 * Keys travel as JWK (importing PKCS#8 DER costs ~0.36 ms). P-256 stays werift's. Unlike
 * tweetnacl, Node refuses an all-zero shared secret (a peer's low-order point, RFC 7748 §6.1):
 * such a handshake fails instead of keying SRTP with a known secret.
 */
const x25519FastPaths = {
  generateKeyPair(curve: number): KeyPair {
    if (curve !== X25519) return weriftOriginals.generateKeyPair(curve);
    const keys = generateKeyPairSync('x25519');
    const jwk = keys.privateKey.export({ format: 'jwk' });
    const privateKey = Buffer.from(jwk.d ?? '', 'base64url');
    x25519Keys.set(privateKey, keys.privateKey);
    return { curve, privateKey, publicKey: Buffer.from(jwk.x ?? '', 'base64url') };
  },
  prfPreMasterSecret(publicKey: Buffer, privateKey: Buffer, curve: number): Buffer {
    if (curve !== X25519) return weriftOriginals.prfPreMasterSecret(publicKey, privateKey, curve);
    const ownKey =
      x25519Keys.get(privateKey) ??
      createPrivateKey({
        key: Buffer.concat([PKCS8_X25519, privateKey]),
        format: 'der',
        type: 'pkcs8',
      });
    const peerKey = createPublicKey({
      key: { kty: 'OKP', crv: 'X25519', x: publicKey.toString('base64url') },
      format: 'jwk',
    });
    return diffieHellman({ privateKey: ownKey, publicKey: peerKey });
  },
};

/** The Node KeyObject of each DTLS certificate key, parsed once (keys live as long as werift's). */
const signingKeys = new WeakMap<X509PrivateKey, KeyObject | null>();

function signingKey(key: X509PrivateKey): KeyObject | null {
  let keyObject = signingKeys.get(key);
  if (keyObject === undefined) {
    keyObject = createPrivateKey({ key: key.toDER(), format: 'der', type: 'pkcs8' });
    // Ed25519 and others have their own signers in @fidm/x509: those stay werift's.
    if (keyObject.asymmetricKeyType !== 'ec' && keyObject.asymmetricKeyType !== 'rsa') {
      keyObject = null;
    }
    signingKeys.set(key, keyObject);
  }
  return keyObject;
}

/**
 * werift signs its DTLS handshake (ServerKeyExchange as the DTLS server, CertificateVerify as
 * the client) with `createSign(hash).sign(pemString)`: OpenSSL 3 decodes the PEM key again on
 * every handshake, ~0.45 ms, where signing with a KeyObject made once takes ~0.05 ms. Same
 * algorithm, same DER encoding (an ECDSA signature is randomised, an RSA PKCS#1 one is the same
 * bytes).
 */
const signingFastPaths = {
  signatureData(this: CipherContextLike, data: Buffer, hash: string): Buffer {
    const key = this.localPrivateKey && signingKey(this.localPrivateKey);
    if (!key) return weriftOriginals.signatureData.call(this, data, hash);
    return sign(hash, data, key);
  },
  /** @fidm/x509's `PrivateKey.sign`, which werift's `generateKeySignature` calls. */
  privateKeySign(this: X509PrivateKey, data: Buffer, hashAlgorithm: string): Buffer {
    const key = signingKey(this);
    if (!key) return weriftOriginals.privateKeySign.call(this, data, hashAlgorithm);
    return sign(hashAlgorithm, data, key);
  },
};

/** @fidm/x509's PrivateKey class, as werift's CipherContext gets it. */
const X509PrivateKeyClass = (
  weriftRequire('@fidm/x509') as { PrivateKey: { prototype: X509PrivateKey } }
).PrivateKey;

/** werift's own functions, as they were before any patch (for tests and micro-benchmarks). */
export const weriftOriginals = {
  parseRtpHeader: RtpHeader.deSerialize.bind(RtpHeader) as (raw: Buffer) => RtpHeader,
  generateKeyPair: namedCurve.generateKeyPair,
  prfPreMasterSecret: prf.prfPreMasterSecret,
  signatureData: cipherModule.CipherContext.prototype.signatureData,
  privateKeySign: X509PrivateKeyClass.prototype.sign,
};

/** The replacements, for the same comparisons. */
export const weriftFastPaths = { parseRtpHeader, ...x25519FastPaths, ...signingFastPaths };

let installed = false;

/**
 * Installs the fast paths into werift (once per process). Only for the werift version they were
 * written and tested against: any other leaves werift as it is and returns false.
 */
export function installWeriftFastPaths(): boolean {
  if (installed) return true;
  if (!isPatchableWerift()) return false;
  installed = true;
  RtpHeader.deSerialize = parseRtpHeader;
  namedCurve.generateKeyPair = x25519FastPaths.generateKeyPair;
  prf.prfPreMasterSecret = x25519FastPaths.prfPreMasterSecret;
  cipherModule.CipherContext.prototype.signatureData = signingFastPaths.signatureData;
  X509PrivateKeyClass.prototype.sign = signingFastPaths.privateKeySign;
  return true;
}
