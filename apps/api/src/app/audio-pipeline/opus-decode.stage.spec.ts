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
    expect(sut.stats).toEqual({ decoded: 3, decodeErrors: 0, concealedMs: 0 });
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
});
