import { generateKeyPairSync, randomBytes, verify } from 'node:crypto';
import { RtcpRrPacket, RtpHeader, RtpPacket } from 'werift';
import {
  installWeriftFastPaths,
  parseRtpHeader,
  weriftFastPaths as fast,
  weriftOriginals as original,
} from './fast-paths';
import {
  PROFILE_AEAD_AES_128_GCM,
  PROFILE_AES_CM_128_HMAC_SHA1_80,
  prng,
  randomPacket,
  srtpPair,
} from './testing/rtp-samples';

describe(parseRtpHeader.name, () => {
  it('parses random headers with CSRCs, extensions and padding exactly as werift does', () => {
    for (let seed = 0; seed < 2000; seed++) {
      const packet = randomPacket(seed);
      const expected = original.parseRtpHeader(packet);
      const sut = parseRtpHeader(packet);
      expect(sut).toStrictEqual(expected);
      expect(Object.keys(sut)).toEqual(Object.keys(expected));
      expect(sut).toBeInstanceOf(RtpHeader);
    }
  });

  it('reads truncated and malformed packets as werift does, or fails where it fails', () => {
    for (let seed = 0; seed < 500; seed++) {
      const packet = randomPacket(seed);
      const cut = packet.subarray(0, prng(seed + 1e6)(packet.length + 1));
      const outcome = (parse: (raw: Buffer) => RtpHeader) => {
        try {
          return { seed, header: parse(cut) };
        } catch {
          return { seed, threw: true };
        }
      };
      expect(outcome(parseRtpHeader)).toStrictEqual(outcome(original.parseRtpHeader));
    }
  });
});

describe('SRTP with the fast header parse installed', () => {
  it.each([
    ['AES-CM + HMAC-SHA1-80', PROFILE_AES_CM_128_HMAC_SHA1_80],
    ['AEAD AES-128-GCM', PROFILE_AEAD_AES_128_GCM],
  ])(
    'decrypts %s packets with CSRCs, extensions and padding, across a sequence wrap',
    (_, profile) => {
      expect(installWeriftFastPaths()).toBe(true);
      expect(installWeriftFastPaths()).toBe(true); // idempotent
      expect(RtpHeader.deSerialize).toBe(parseRtpHeader);
      const { srtp, srtcp } = srtpPair(profile);
      for (let i = 0; i < 300; i++) {
        const clear = randomPacket(i);
        const header = original.parseRtpHeader(clear);
        header.sequenceNumber = (65400 + i) & 0xffff;
        clear.writeUInt16BE(header.sequenceNumber, 2);
        const decrypted = srtp.decrypt(srtp.encrypt(clear.subarray(header.payloadOffset), header));
        expect(decrypted).toEqual(clear);
        expect(RtpPacket.deSerialize(decrypted).header).toStrictEqual(
          original.parseRtpHeader(clear),
        );
      }
      const rr = new RtcpRrPacket({ ssrc: 42 }).serialize();
      expect(srtcp.decrypt(srtcp.encrypt(rr))).toEqual(rr);
    },
  );
});

describe('X25519 through node:crypto', () => {
  const X25519 = 29;

  it('derives the same shared secret as werift from keys made either way', () => {
    for (let i = 0; i < 20; i++) {
      const ours = fast.generateKeyPair(X25519);
      const theirs = original.generateKeyPair(X25519);
      expect(ours.publicKey).toHaveLength(32);
      expect(ours.privateKey).toHaveLength(32);
      const secrets = [
        original.prfPreMasterSecret(theirs.publicKey, ours.privateKey, X25519),
        fast.prfPreMasterSecret(theirs.publicKey, ours.privateKey, X25519),
        original.prfPreMasterSecret(ours.publicKey, theirs.privateKey, X25519),
        fast.prfPreMasterSecret(ours.publicKey, theirs.privateKey, X25519),
      ];
      for (const s of secrets) expect(s).toEqual(secrets[0]);
    }
  });

  it('leaves P-256 to werift', () => {
    const P256 = 23;
    const a = fast.generateKeyPair(P256);
    const b = original.generateKeyPair(P256);
    expect(fast.prfPreMasterSecret(b.publicKey, a.privateKey, P256)).toEqual(
      original.prfPreMasterSecret(a.publicKey, b.privateKey, P256),
    );
  });
});

describe('DTLS handshake signatures with a KeyObject parsed once', () => {
  const x509 = jest.requireActual<{
    PrivateKey: {
      fromPEM(pem: Buffer): { toDER(): Buffer; sign(data: Buffer, hash: string): Buffer };
    };
  }>(require.resolve('@fidm/x509', { paths: [require.resolve('werift')] }));
  const keyPair = (type: 'ec' | 'rsa' | 'ed25519') => {
    const { privateKey, publicKey } =
      type === 'ec'
        ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
        : type === 'rsa'
          ? generateKeyPairSync('rsa', { modulusLength: 2048 })
          : generateKeyPairSync('ed25519');
    const pem = Buffer.from(privateKey.export({ format: 'pem', type: 'pkcs8' }));
    return { key: x509.PrivateKey.fromPEM(pem), publicKey };
  };

  it('signs with an ECDSA key so that the signature verifies as werift’s does (DER)', () => {
    const { key, publicKey } = keyPair('ec');
    const context = { localPrivateKey: key } as never;
    for (let i = 0; i < 20; i++) {
      const data = randomBytes(64 + i * 7);
      for (const signature of [
        fast.privateKeySign.call(key, data, 'sha256'),
        fast.signatureData.call(context, data, 'sha256'),
        original.privateKeySign.call(key, data, 'sha256'),
        original.signatureData.call(context, data, 'sha256'),
      ]) {
        expect(signature[0]).toBe(0x30); // an ASN.1 SEQUENCE, as TLS wants it
        expect(verify('sha256', data, publicKey, signature)).toBe(true);
      }
    }
  });

  it('makes the very bytes werift makes with an RSA key (PKCS#1 v1.5 is deterministic)', () => {
    const { key } = keyPair('rsa');
    const context = { localPrivateKey: key } as never;
    const data = randomBytes(100);
    expect(fast.privateKeySign.call(key, data, 'sha256')).toEqual(
      original.privateKeySign.call(key, data, 'sha256'),
    );
    expect(fast.signatureData.call(context, data, 'sha256')).toEqual(
      original.signatureData.call(context, data, 'sha256'),
    );
  });

  it('leaves an Ed25519 key to werift', () => {
    const { key } = keyPair('ed25519');
    const spy = jest.spyOn(original, 'privateKeySign');
    fast.privateKeySign.call(key, randomBytes(10), 'sha256');
    expect(spy).toHaveBeenCalledTimes(1);
    spy.mockRestore();
  });
});
