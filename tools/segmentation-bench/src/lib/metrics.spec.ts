import { addCounters, counterDelta, readTranscriptionMetrics } from './metrics';

const histogram = (p50: number) => ({
  count: 3,
  sum: 3 * p50,
  min: p50 / 2,
  max: p50 * 2,
  p50,
  p95: p50 * 2,
  p99: p50 * 2,
  buckets: [{ leMs: 'Infinity', count: 3 }],
});

const full = (finals: number, partials: number) => ({
  uptimeS: 10,
  transcription: {
    engine: 'sphinx',
    requests: {
      final: { count: finals, audioMs: finals * 1000 },
      partial: { count: partials, audioMs: partials * 500, dropped: 1 },
    },
    guard: { notSent: 0, phantom: 2 },
    latency: { sphinx: { finalMs: histogram(800), firstPartialMs: histogram(1200), engineMs: 7 } },
  },
});

describe(readTranscriptionMetrics.name, () => {
  it('reads the transcription section of GET /metrics', () => {
    const sut = readTranscriptionMetrics(full(3, 5));
    expect(sut).toMatchObject({
      engine: 'sphinx',
      final: { count: 3, audioMs: 3000 },
      partial: { count: 5, audioMs: 2500, dropped: 1 },
      guard: { notSent: 0, phantom: 2 },
    });
    expect(Object.keys(sut?.latency['sphinx'] ?? {})).toEqual(['finalMs', 'firstPartialMs']);
  });

  it('says null for a server without the section', () => {
    expect(readTranscriptionMetrics({ uptimeS: 1, rtp: {} })).toBeNull();
    expect(readTranscriptionMetrics('not json')).toBeNull();
  });

  it('keeps the parts a server has when others are missing or malformed', () => {
    const sut = readTranscriptionMetrics({
      transcription: { requests: { final: { count: 2, audioMs: 10 }, partial: 'soon' } },
    });
    expect(sut).toEqual({
      engine: undefined,
      final: { count: 2, audioMs: 10 },
      partial: undefined,
      guard: undefined,
      latency: {},
    });
  });
});

describe(counterDelta.name, () => {
  it('gives what one session added', () => {
    const sut = counterDelta(
      readTranscriptionMetrics(full(3, 5)),
      readTranscriptionMetrics(full(5, 9)),
    );
    expect(sut).toEqual({
      final: { count: 2, audioMs: 2000 },
      partial: { count: 4, audioMs: 2000, dropped: 0 },
      guard: { notSent: 0, phantom: 0 },
    });
  });

  it('is null when the server has no such metrics', () => {
    expect(counterDelta(null, null)).toBeNull();
  });
});

describe(addCounters.name, () => {
  it('adds clips up and leaves out what no clip had', () => {
    const sut = addCounters([
      { final: { count: 2, audioMs: 100 } },
      null,
      { final: { count: 1, audioMs: 50 }, partial: { count: 3, audioMs: 30 } },
    ]);
    expect(sut).toEqual({
      final: { count: 3, audioMs: 150 },
      partial: { count: 3, audioMs: 30, dropped: undefined },
    });
    expect(addCounters([null, null])).toBeNull();
  });
});
