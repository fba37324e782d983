import { buildProgram, rampOffsetMs, shareOut } from './clip';

describe(buildProgram.name, () => {
  it('loops the frames by reference to fill the duration', () => {
    const frames = [Buffer.from([1]), Buffer.from([2]), Buffer.from([3])];
    const sut = buildProgram(frames, 0.1); // 5 frames of 20 ms
    expect(sut).toHaveLength(5);
    expect(sut[3]).toBe(frames[0]);
    expect(sut[4]).toBe(frames[1]);
  });
});

describe(shareOut.name, () => {
  it('deals sessions round-robin so each worker follows the same ramp', () => {
    expect(shareOut(5, 2)).toEqual([
      [0, 2, 4],
      [1, 3],
    ]);
    expect(shareOut(2, 0)).toEqual([[0, 1]]);
  });
});

describe(rampOffsetMs.name, () => {
  it('spaces sessions by 1/ramp seconds, or starts them together', () => {
    expect(rampOffsetMs(4, 2)).toBe(2000);
    expect(rampOffsetMs(4, Infinity)).toBe(0);
  });
});
