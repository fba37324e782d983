import { RtpHeader, RtpPacket } from 'werift';
import { installWeriftFastPaths } from './fast-paths';
import {
  installWeriftReceivePath,
  weriftReceiveFastPaths as fast,
  weriftReceiveOriginals as original,
} from './receive-path';
import {
  PROFILE_AEAD_AES_128_GCM,
  PROFILE_AES_CM_128_HMAC_SHA1_80,
  prng,
  randomPacket,
  srtpPair,
} from './testing/rtp-samples';

/** werift's GCM cipher of an SRTP session (the remote context decrypts). */
function gcmCipher(session: ReturnType<typeof srtpPair>['srtp']) {
  return (session as unknown as { remoteContext: { cipher: object } }).remoteContext
    .cipher as never;
}

/** An encrypted packet with its sequence number near a wrap, as a sender makes it. */
function encrypted(session: ReturnType<typeof srtpPair>['srtp'], seed: number): Buffer {
  const clear = randomPacket(seed);
  const header = original.deSerialize(clear).header;
  header.sequenceNumber = (65400 + seed) & 0xffff;
  clear.writeUInt16BE(header.sequenceNumber, 2);
  return session.encrypt(clear.subarray(header.payloadOffset), header);
}

describe('werift receive path', () => {
  it('clones packets exactly as werift does: same fields, order and prototype, payload shared', () => {
    for (let seed = 0; seed < 1000; seed++) {
      const packet = original.deSerialize(randomPacket(seed));
      const expected = original.clone.call(packet);
      const sut = fast.clone.call(packet);
      expect(sut).toStrictEqual(expected);
      expect(Object.keys(sut)).toEqual(Object.keys(expected));
      expect(Object.keys(sut.header)).toEqual(Object.keys(expected.header));
      expect(sut).toBeInstanceOf(RtpPacket);
      expect(sut.header).toBeInstanceOf(RtpHeader);
      expect(sut.header).not.toBe(packet.header);
      expect(sut.payload).toBe(packet.payload);
      expect(sut.header.csrc).toBe(packet.header.csrc); // werift's shallow copy shares them too
      expect(sut.serialize()).toEqual(expected.serialize());
    }
  });

  it('parses packets as werift does, truncated and malformed ones included', () => {
    for (let seed = 0; seed < 1000; seed++) {
      const packet = randomPacket(seed);
      expect(fast.deSerialize(packet)).toStrictEqual(original.deSerialize(packet));
      const cut = packet.subarray(0, prng(seed + 1e6)(packet.length + 1));
      const outcome = (parse: (raw: Buffer) => RtpPacket) => {
        try {
          return { packet: parse(cut) };
        } catch (error) {
          return { threw: String(error) };
        }
      };
      expect(outcome(fast.deSerialize)).toStrictEqual(outcome(original.deSerialize));
    }
  });

  it('decrypts AES-128-GCM SRTP to the same bytes and header as werift, across a sequence wrap', () => {
    const { srtp } = srtpPair(PROFILE_AEAD_AES_128_GCM);
    const cipher = gcmCipher(srtp);
    for (let seed = 0; seed < 300; seed++) {
      const packet = encrypted(srtp, seed);
      // The sender's rollover counter: whichever werift's own decrypt accepts.
      const rollover = [0, 1].find((roc) => {
        try {
          return !!original.gcmDecryptRtp.call(cipher, packet, roc);
        } catch {
          return false;
        }
      });
      expect(rollover).toBeDefined();
      const [dst, header] = fast.gcmDecryptRtp.call(cipher, packet, rollover ?? 0);
      const [expectedDst, expectedHeader] = original.gcmDecryptRtp.call(
        cipher,
        packet,
        rollover ?? 0,
      );
      expect(dst).toEqual(expectedDst);
      expect(header).toStrictEqual(expectedHeader);
    }
  });

  it('refuses a tampered, truncated or wrongly keyed packet with the error werift throws', () => {
    const { srtp } = srtpPair(PROFILE_AEAD_AES_128_GCM);
    const cipher = gcmCipher(srtp);
    const other = gcmCipher(srtpPair(PROFILE_AEAD_AES_128_GCM).srtp);
    const outcome = (decrypt: typeof fast.gcmDecryptRtp, self: never, packet: Buffer) => {
      try {
        return { dst: decrypt.call(self, packet, 0)[0] };
      } catch (error) {
        return { name: (error as Error).name, message: (error as Error).message };
      }
    };
    for (let seed = 0; seed < 100; seed++) {
      const packet = encrypted(srtp, seed);
      const tampered = Buffer.from(packet);
      tampered[prng(seed)(tampered.length)] ^= 0x01;
      const cut = packet.subarray(0, prng(seed + 1)(packet.length));
      for (const [self, bad] of [
        [cipher, tampered],
        [cipher, cut],
        [other, packet],
      ] as const) {
        const expected = outcome(original.gcmDecryptRtp, self, bad);
        expect(outcome(fast.gcmDecryptRtp, self, bad)).toStrictEqual(expected);
      }
    }
  });

  it.each([
    ['AES-CM + HMAC-SHA1-80', PROFILE_AES_CM_128_HMAC_SHA1_80],
    ['AEAD AES-128-GCM', PROFILE_AEAD_AES_128_GCM],
  ])('once installed, an SRTP session still decrypts %s packets werift made', (_, profile) => {
    expect(installWeriftFastPaths()).toBe(true);
    expect(installWeriftReceivePath()).toBe(true);
    expect(installWeriftReceivePath()).toBe(true); // idempotent
    expect(RtpPacket.deSerialize).toBe(fast.deSerialize);
    const { srtp } = srtpPair(profile);
    for (let seed = 0; seed < 300; seed++) {
      const clear = randomPacket(seed);
      const header = original.deSerialize(clear).header;
      header.sequenceNumber = (65400 + seed) & 0xffff;
      clear.writeUInt16BE(header.sequenceNumber, 2);
      const decrypted = srtp.decrypt(srtp.encrypt(clear.subarray(header.payloadOffset), header));
      expect(decrypted).toEqual(clear);
      expect(RtpPacket.deSerialize(decrypted)).toStrictEqual(original.deSerialize(clear));
    }
  });
});
