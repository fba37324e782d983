import { LATENCY_BUCKETS_MS, LatencyHistogram } from './latency-histogram';

describe(LatencyHistogram.name, () => {
  it('is all zeros before the first value', () => {
    const sut = new LatencyHistogram().snapshot();
    expect(sut).toMatchObject({ count: 0, sum: 0, min: 0, max: 0, p50: 0, p95: 0, p99: 0 });
    expect(sut.buckets.every((b) => b.count === 0)).toBe(true);
  });

  it('counts values into cumulative buckets and gives nearest-rank percentiles', () => {
    const sut = new LatencyHistogram();
    for (let v = 1; v <= 100; v++) sut.record(v * 10); // 10 .. 1000 ms
    sut.record(60_000);
    const s = sut.snapshot();
    expect(s).toMatchObject({ count: 101, min: 10, max: 60_000, p50: 510, p95: 960, p99: 1000 });
    const le = (ms: number | 'Infinity') => s.buckets.find((b) => b.leMs === ms)?.count;
    expect(le(50)).toBe(5);
    expect(le(1000)).toBe(100);
    expect(le(30_000)).toBe(100);
    expect(le('Infinity')).toBe(101);
    expect(s.buckets).toHaveLength(LATENCY_BUCKETS_MS.length + 1);
  });

  it('ignores values that are not numbers and clamps negatives to zero', () => {
    const sut = new LatencyHistogram();
    sut.record(Number.NaN);
    sut.record(-5);
    expect(sut.snapshot()).toMatchObject({ count: 1, min: 0, max: 0 });
  });

  it('keeps percentiles over the recent values only, with fixed memory', () => {
    const sut = new LatencyHistogram();
    for (let i = 0; i < 5000; i++) sut.record(5000);
    for (let i = 0; i < 2048; i++) sut.record(100);
    expect(sut.snapshot()).toMatchObject({ count: 7048, p99: 100, max: 5000 });
  });
});
