import { crc32, datagram } from './datagrams';
import { Rng } from './rng';

const CTX = { serverUfrag: 'srv1', clientUfrag: 'cli1', clientSsrc: 1234 };

describe('datagrams', () => {
  it('computes the CRC-32 that STUN FINGERPRINT uses', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });

  it('makes STUN messages with the magic cookie and a USERNAME the server would look up', () => {
    let withUsername = 0;
    for (let i = 0; i < 500; i++) {
      const d = datagram(Rng.derive(1, 'udp', i), CTX);
      if (!d.kind.startsWith('stun') || d.data.length < 20) continue;
      if (d.data.readUInt32BE(4) !== 0x2112a442) continue;
      if (d.data.includes(Buffer.from('srv1:cli1'))) withUsername++;
    }
    expect(withUsername).toBeGreaterThan(50);
  });

  it('makes every kind, of sizes UDP can carry, the same for the same seed', () => {
    const kinds = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const d = datagram(Rng.derive(2, 'udp', i), CTX);
      kinds.add(d.kind);
      expect(d.data.length).toBeLessThanOrEqual(65507);
    }
    expect([...kinds].sort()).toEqual([
      'dtls',
      'edge-size',
      'random',
      'rtcp',
      'rtp',
      'stun',
      'stun-bad-integrity',
      'turn-channel',
    ]);
    expect(datagram(Rng.derive(3, 'udp', 9), CTX)).toEqual(datagram(Rng.derive(3, 'udp', 9), CTX));
  });

  it('starts DTLS-looking datagrams with a record type in 20..63 and RTP-looking ones with version 2', () => {
    for (let i = 0; i < 1000; i++) {
      const d = datagram(Rng.derive(4, 'udp', i), CTX);
      if (d.kind === 'dtls') expect(d.data[0]).toBeGreaterThanOrEqual(20);
      if (d.kind === 'dtls') expect(d.data[0]).toBeLessThanOrEqual(63);
      if (d.kind === 'rtp' || d.kind === 'rtcp') expect(d.data[0] >> 6).toBe(2);
    }
  });
});
