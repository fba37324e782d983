import { distribution, percentile, summarize } from './stats';
import { newOutcome, type SessionOutcome } from './types';

describe(percentile.name, () => {
  it('interpolates between ranks', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([10], 99)).toBe(10);
    expect(percentile([5, 1, 3], 0)).toBe(1);
    expect(percentile([5, 1, 3], 100)).toBe(5);
    expect(percentile([], 50)).toBeUndefined();
  });
});

describe(summarize.name, () => {
  const outcome = (over: Partial<SessionOutcome>): SessionOutcome =>
    newOutcome(0, 0, { created: true, ...over });

  it('counts failures by stage and only measures what happened', () => {
    const sut = summarize([
      outcome({ connectedMs: 100, iceConnectedMs: 80, packetsSent: 50, endReceived: true }),
      outcome({ connectedMs: 300, iceConnectedMs: 90, packetsSent: 50, endReceived: true }),
      outcome({ iceConnectedMs: 95, failedStage: 'connect', errors: ['dtls'] }),
      outcome({ created: false, failedStage: 'create' }),
    ]);
    expect(sut).toMatchObject({
      sessions: 4,
      created: 3,
      connected: 2,
      streamed: 2,
      endReceived: 2,
      failed: 2,
      failuresByStage: { connect: 1, create: 1 },
      packetsSent: 100,
    });
    expect(sut.connectedMs).toEqual(distribution([100, 300]));
    expect(sut.iceConnectedMs.count).toBe(3);
  });
});
