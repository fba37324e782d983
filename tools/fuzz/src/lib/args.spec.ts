import { parseArgs } from './args';
import { DEFAULT_BUDGETS } from './run';

describe(parseArgs.name, () => {
  it('takes a seed, targets and per-target or global counts and seconds', () => {
    const sut = parseArgs(
      ['--seed', '42', '--target', 'sdp,udp', '--count', 'udp=500', '--seconds=20'],
      '/w',
    );
    expect(sut.seed).toBe(42);
    expect(sut.targets).toEqual(['sdp', 'udp']);
    expect(sut.budgets.udp).toEqual({ count: 500, seconds: 20 });
    expect(sut.budgets.sdp).toEqual({ count: DEFAULT_BUDGETS.sdp.count, seconds: 20 });
    expect(sut.out).toBe('/w/dist/fuzz');
    expect(parseArgs(['--count', '7'], '/w').budgets.rtp.count).toBe(7);
  });

  it('picks a random seed when none is given, and refuses what it does not know', () => {
    expect(Number.isInteger(parseArgs([], '/w').seed)).toBe(true);
    expect(() => parseArgs(['--target', 'dns'], '/w')).toThrow(/unknown target dns/);
    expect(() => parseArgs(['--seed', '-1'], '/w')).toThrow(/--seed/);
    expect(() => parseArgs(['--count', 'x=1'], '/w')).toThrow(/unknown target x/);
    expect(() => parseArgs(['--nope'], '/w')).toThrow(/unknown argument --nope/);
  });
});
