import { MAX_MISORDER, RESYNC_RUN, RtpAudioPacket, RtpReorderBuffer } from './rtp-reorder';

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
    expect(sut.stats).toMatchObject({ received: 3, lost: 0, reordered: 0, resyncs: 0 });
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

  it('follows a sender whose sequence jumps back 1,000 (a restart), losing none of its packets', () => {
    const sut = new RtpReorderBuffer(5);
    const before = range(5000, 5100).flatMap((s) => seqs(sut.push(packet(s))));
    expect(before).toEqual(range(5000, 5100));
    // Held while the run confirms the new sequence, then released in order.
    const held = range(4100, 4100 + RESYNC_RUN - 1).flatMap((s) => seqs(sut.push(packet(s))));
    expect(held).toEqual([]);
    const after = range(4100 + RESYNC_RUN - 1, 4300).flatMap((s) => seqs(sut.push(packet(s))));
    expect(after).toEqual(range(4100, 4300));
    expect(sut.stats).toMatchObject({ resyncs: 1, late: 0, lost: 0, duplicates: 0 });
  });

  it('follows a jump far ahead too, releasing what the old stream left first', () => {
    const sut = new RtpReorderBuffer(5);
    const out = [1, 2, 4, 40_001, 40_002, 40_003, 40_004].flatMap((s) => seqs(sut.push(packet(s))));
    expect(out).toEqual([1, 2, 4, 40_001, 40_002, 40_003, 40_004].map((s) => s & 0xffff));
    expect(sut.stats).toMatchObject({ resyncs: 1, lost: 1 });
  });

  it('follows a restart across the 16-bit wrap', () => {
    const sut = new RtpReorderBuffer(5);
    [30_000, 30_001].forEach((s) => sut.push(packet(s)));
    const out = [65_534, 65_535, 0, 1].flatMap((s) => seqs(sut.push(packet(s))));
    expect(out).toEqual([65_534, 65_535, 0, 1]);
    expect(sut.stats.resyncs).toBe(1);
  });

  it('drops stray packets far from the sequence as late, without following them', () => {
    const sut = new RtpReorderBuffer(5);
    sut.push(packet(1000));
    const out = [
      1000 - MAX_MISORDER - 1,
      9000,
      1001,
      20_000,
      20_002, // not consecutive: the run starts again
      1002,
      20_004,
      1003,
    ].flatMap((s) => seqs(sut.push(packet(s))));
    expect(out).toEqual([1001, 1002, 1003]);
    expect(sut.stats).toMatchObject({ resyncs: 0, late: 4 });
    expect(seqs(sut.flush())).toEqual([]);
    expect(sut.stats.late).toBe(5); // the last stray too
  });

  it('still calls a packet a little behind late, not a restart', () => {
    const sut = new RtpReorderBuffer(5);
    range(100, 300).forEach((s) => sut.push(packet(s)));
    const out = range(300 - MAX_MISORDER, 300 - MAX_MISORDER + 5).flatMap((s) =>
      seqs(sut.push(packet(s))),
    );
    expect(out).toEqual([]);
    expect(sut.stats).toMatchObject({ late: 5, resyncs: 0 });
    expect(seqs(sut.push(packet(300)))).toEqual([300]);
  });
});

/** `from` up to (not including) `to`. */
function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}
