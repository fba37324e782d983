import { OpusEncoder } from '@discordjs/opus';
import { OpusDecodeStage, SAMPLES_PER_MS } from './opus-decode.stage';

/** 20 ms of a 440 Hz tone at 16 kHz, encoded with the real libopus. */
function tonePacket(encoder: OpusEncoder, frameIndex: number): Buffer {
  const pcm = new Int16Array(320);
  for (let i = 0; i < pcm.length; i++) {
    pcm[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * (frameIndex * 320 + i)) / 16000));
  }
  return encoder.encode(Buffer.from(pcm.buffer));
}
const total = (chunks: Int16Array[]) => chunks.reduce((n, c) => n + c.length, 0);

describe(OpusDecodeStage.name, () => {
  const encoder = new OpusEncoder(16000, 1);

  it('decodes real Opus packets to 320 samples per 20 ms at 16 kHz', () => {
    const sut = new OpusDecodeStage(new OpusEncoder(16000, 1));
    const out = [0, 1, 2].flatMap((i) =>
      sut.push({ sequenceNumber: i, timestamp: 1000 + i * 960, payload: tonePacket(encoder, i) }),
    );
    expect(total(out)).toBe(3 * 320);
    expect(sut.stats).toEqual({ decoded: 3, decodeErrors: 0, concealedMs: 0, timestampJumps: 0 });
    const energy = out[2].reduce((sum, s) => sum + Math.abs(s), 0) / out[2].length;
    expect(energy).toBeGreaterThan(1000);
  });

  it('fills lost packets with silence so later audio keeps its time', () => {
    const sut = new OpusDecodeStage(new OpusEncoder(16000, 1));
    sut.push({ sequenceNumber: 0, timestamp: 0, payload: tonePacket(encoder, 0) });
    // packets 1 and 2 lost
    const out = sut.push({
      sequenceNumber: 3,
      timestamp: 3 * 960,
      payload: tonePacket(encoder, 3),
    });
    expect(out[0].length).toBe(2 * 320);
    expect(out[0].every((s) => s === 0)).toBe(true);
    expect(sut.positionSamples).toBe(4 * 20 * SAMPLES_PER_MS);
    expect(sut.stats.concealedMs).toBe(40);
  });

  it('handles the 32-bit RTP timestamp wrap', () => {
    const sut = new OpusDecodeStage(new OpusEncoder(16000, 1));
    sut.push({ sequenceNumber: 0, timestamp: 0xffffffff - 959, payload: tonePacket(encoder, 0) });
    const out = sut.push({ sequenceNumber: 1, timestamp: 0, payload: tonePacket(encoder, 1) });
    expect(total(out)).toBe(320);
  });

  it('conceals a packet that does not decode instead of failing', () => {
    const sut = new OpusDecodeStage({
      decode: () => {
        throw new Error('corrupted stream');
      },
    });
    const out = sut.push({ sequenceNumber: 0, timestamp: 0, payload: Buffer.from([1, 2, 3]) });
    expect(total(out)).toBe(320);
    expect(sut.stats.decodeErrors).toBe(1);
  });

  it('goes on where the audio was when the RTP clock jumps back, and conceals later losses again', () => {
    const sut = new OpusDecodeStage(new OpusEncoder(16000, 1));
    const base = 5_000_000;
    for (let i = 0; i < 50; i++) {
      sut.push({ sequenceNumber: i, timestamp: base + i * 960, payload: tonePacket(encoder, i) });
    }
    // The sender restarted: its clock went back 20 s.
    const restart = base - 1000 * 960;
    const first = sut.push({
      sequenceNumber: 50,
      timestamp: restart,
      payload: tonePacket(encoder, 50),
    });
    expect(total(first)).toBe(320);
    expect(sut.positionSamples).toBe(51 * 320);
    // One packet lost after the restart: 20 ms of silence, measured on the new clock.
    const after = sut.push({
      sequenceNumber: 52,
      timestamp: restart + 2 * 960,
      payload: tonePacket(encoder, 52),
    });
    expect(after.map((c) => c.length)).toEqual([320, 320]);
    expect(sut.stats).toMatchObject({ decoded: 52, concealedMs: 20, timestampJumps: 1 });
  });

  it('does not fill a jump far ahead with silence, and counts it', () => {
    const sut = new OpusDecodeStage(new OpusEncoder(16000, 1));
    sut.push({ sequenceNumber: 0, timestamp: 0, payload: tonePacket(encoder, 0) });
    const out = sut.push({
      sequenceNumber: 1,
      timestamp: 48_000 * 60,
      payload: tonePacket(encoder, 1),
    });
    expect(total(out)).toBe(320);
    expect(sut.stats).toMatchObject({ concealedMs: 0, timestampJumps: 1 });
    const next = sut.push({
      sequenceNumber: 2,
      timestamp: 48_000 * 60 + 960,
      payload: tonePacket(encoder, 2),
    });
    expect(total(next)).toBe(320);
    expect(sut.positionSamples).toBe(3 * 320);
  });
});
