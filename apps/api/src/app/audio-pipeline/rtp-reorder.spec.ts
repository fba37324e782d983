import { RtpAudioPacket, RtpReorderBuffer } from './rtp-reorder';

const packet = (sequenceNumber: number): RtpAudioPacket => ({
  sequenceNumber: sequenceNumber & 0xffff,
  timestamp: (sequenceNumber * 960) >>> 0,
  payload: Buffer.from([sequenceNumber & 0xff]),
});
const seqs = (packets: RtpAudioPacket[]) => packets.map((p) => p.sequenceNumber);

describe(RtpReorderBuffer.name, () => {
  it('passes in-order packets straight through', () => {
    const sut = new RtpReorderBuffer(3);
    expect([1, 2, 3].flatMap((s) => seqs(sut.push(packet(s))))).toEqual([1, 2, 3]);
    expect(sut.stats).toMatchObject({ received: 3, lost: 0, reordered: 0 });
  });

  it('puts swapped packets back in order', () => {
    const sut = new RtpReorderBuffer(3);
    const out = [10, 12, 11, 13].flatMap((s) => seqs(sut.push(packet(s))));
    expect(out).toEqual([10, 11, 12, 13]);
    expect(sut.stats.reordered).toBe(1);
  });

  it('declares a packet lost once the window is full, and drops it if it comes later', () => {
    const sut = new RtpReorderBuffer(2);
    const out = [1, 3, 4].flatMap((s) => seqs(sut.push(packet(s))));
    expect(out).toEqual([1]);
    expect(seqs(sut.push(packet(5)))).toEqual([3, 4, 5]);
    expect(sut.stats.lost).toBe(1);
    expect(sut.push(packet(2))).toEqual([]);
    expect(sut.stats.late).toBe(1);
  });

  it('counts duplicates and drops them', () => {
    const sut = new RtpReorderBuffer(3);
    sut.push(packet(1));
    sut.push(packet(3));
    sut.push(packet(3));
    expect(sut.stats.duplicates).toBe(1);
  });

  it('follows the sequence number across the 16-bit wrap', () => {
    const sut = new RtpReorderBuffer(3);
    const out = [65534, 65535, 1, 0, 2].flatMap((s) => seqs(sut.push(packet(s))));
    expect(out).toEqual([65534, 65535, 0, 1, 2]);
    expect(sut.stats.lost).toBe(0);
  });

  it('releases everything it holds on flush, counting the gaps', () => {
    const sut = new RtpReorderBuffer(5);
    sut.push(packet(1));
    sut.push(packet(3));
    sut.push(packet(6));
    expect(seqs(sut.flush())).toEqual([3, 6]);
    expect(sut.stats.lost).toBe(3);
  });
});
