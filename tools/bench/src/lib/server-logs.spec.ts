import { pipelineStatsBySession, totalPipelineStats } from './server-logs';

describe(pipelineStatsBySession.name, () => {
  it('sums the stats of the sessions asked about and counts the ones never logged', () => {
    const logs = [
      { msg: 'session created', sessionId: 'a' },
      { msg: 'audio pipeline ended', sessionId: 'a', received: 100, lost: 1, decodeErrors: 0 },
      { msg: 'audio pipeline ended', sessionId: 'b', received: 50, lost: 0, decodeErrors: 2 },
      { msg: 'audio pipeline ended', sessionId: 'c', received: 7 },
    ];
    const sut = totalPipelineStats(pipelineStatsBySession(logs), ['a', 'b', 'z']);
    expect(sut).toMatchObject({ sessions: 2, missing: 1, received: 150, lost: 1, decodeErrors: 2 });
  });
});
