import { OpusEncoder } from '@discordjs/opus';
import { opusPacketDurationMs } from './opus-packet';

describe(opusPacketDurationMs.name, () => {
  it('reads 20 ms from a packet the real libopus made of 20 ms', () => {
    const encoder = new OpusEncoder(48000, 2);
    expect(opusPacketDurationMs(encoder.encode(Buffer.alloc(960 * 2 * 2)))).toBe(20);
    const wideband = new OpusEncoder(16000, 1);
    expect(opusPacketDurationMs(wideband.encode(Buffer.alloc(320 * 2)))).toBe(20);
  });

  it.each([
    ['SILK 60 ms, one frame', [(3 << 3) | 0], 60],
    ['CELT 2.5 ms, two frames', [(16 << 3) | 1], 5],
    ['hybrid 20 ms, two frames of different sizes', [(13 << 3) | 2], 40],
    ['CELT 20 ms, six frames (code 3)', [(31 << 3) | 3, 6], 120],
  ])('reads %s', (_label, bytes, ms) => {
    expect(opusPacketDurationMs(Buffer.from(bytes))).toBe(ms);
  });

  it.each([
    ['empty', []],
    ['code 3 without its frame count', [(31 << 3) | 3]],
    ['code 3 with no frames', [(31 << 3) | 3, 0]],
    ['more than 120 ms', [(3 << 3) | 3, 3]],
  ])('refuses a packet that is %s', (_label, bytes) => {
    expect(opusPacketDurationMs(Buffer.from(bytes))).toBeUndefined();
  });
});
