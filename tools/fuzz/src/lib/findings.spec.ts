import { isDefect, TargetTally } from './findings';

describe(TargetTally.name, () => {
  it('counts every finding but keeps only the first few of a kind and input', () => {
    const sut = new TargetTally('ws', 'messages');
    for (let i = 0; i < 50; i++)
      sut.find({ kind: 'hang', caseIndex: i, input: 'flood', detail: 'no answer' });
    sut.find({ kind: '5xx', caseIndex: 1, input: 'x', detail: '500' });
    sut.find({ kind: 'note', caseIndex: 2, input: 'y', detail: 'z' });
    const result = sut.finish('count');
    expect(result.hangs).toBe(50);
    expect(result.status5xx).toBe(1);
    expect(result.stats['finding:hang']).toBe(50);
    expect(result.findings.filter((f) => f.kind === 'hang')).toHaveLength(
      TargetTally.MAX_FINDINGS_PER_KIND,
    );
    expect(result.findings.every((f) => f.target === 'ws')).toBe(true);
  });

  it('tells defects from notes', () => {
    expect(
      ['crash', '5xx', 'hang', 'lost_event', 'deaf', 'contract'].every((k) => isDefect(k as never)),
    ).toBe(true);
    expect(
      ['note', 'accepted_unusable', 'error_shape', 'server_log'].some((k) => isDefect(k as never)),
    ).toBe(false);
  });
});
