import { Rng } from './rng';

describe(Rng.name, () => {
  it('gives the same numbers for the same seed and labels, and others for other labels', () => {
    const a = Rng.derive(7, 'sdp', 3);
    const b = Rng.derive(7, 'sdp', 3);
    const c = Rng.derive(7, 'sdp', 4);
    const d = Rng.derive(8, 'sdp', 3);
    const take = (r: Rng) => Array.from({ length: 8 }, () => r.uint32());
    const first = take(a);
    expect(take(b)).toEqual(first);
    expect(take(c)).not.toEqual(first);
    expect(take(d)).not.toEqual(first);
  });

  it('keeps int() within its bounds, both included, and reaches both ends', () => {
    const sut = new Rng('bounds');
    const seen = new Set<number>();
    for (let i = 0; i < 2000; i++) {
      const n = sut.int(-2, 3);
      expect(n).toBeGreaterThanOrEqual(-2);
      expect(n).toBeLessThanOrEqual(3);
      seen.add(n);
    }
    expect([...seen].sort((x, y) => x - y)).toEqual([-2, -1, 0, 1, 2, 3]);
  });

  it('picks by weight, shuffles without losing items, and makes bytes and chars of the length asked', () => {
    const sut = new Rng('misc');
    let heavy = 0;
    for (let i = 0; i < 1000; i++) {
      if (
        sut.weighted([
          [9, 'heavy'],
          [1, 'light'],
        ] as const) === 'heavy'
      )
        heavy++;
    }
    expect(heavy).toBeGreaterThan(800);
    expect(sut.shuffle([1, 2, 3, 4, 5]).sort()).toEqual([1, 2, 3, 4, 5]);
    expect(sut.bytes(33)).toHaveLength(33);
    expect(sut.chars(12, 'ab')).toMatch(/^[ab]{12}$/);
    expect(() => sut.pick([])).toThrow(/empty/);
  });
});
