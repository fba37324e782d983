import {
  capacityTable,
  levelProblem,
  parseCapacityArgs,
  parseSetups,
  phasedProgram,
} from './capacity';

const defaults = { fixtures: '/f', workspace: '/w' };

describe('bench:capacity arguments', () => {
  it('defaults to both decoders, 1x2 and 2x1, levels 1 to 8, one pass, 5 s', () => {
    expect(parseCapacityArgs([], defaults)).toEqual({
      decoders: ['fixed', 'random'],
      tokens: 16,
      setups: [
        { workers: 1, threads: 2 },
        { workers: 2, threads: 1 },
      ],
      levels: [1, 2, 3, 4, 6, 8],
      passes: 1,
      maxP95Ms: 5000,
      clip: '/f/conversation.wav',
      warmClip: '/f/goforward.wav',
      out: '/w/dist/bench',
    });
  });

  it('reads every option', () => {
    const args = parseCapacityArgs(
      ['--decoders', 'random', '--tokens', '8', '--setups', '2x2', '--levels', '2,5'],
      defaults,
    );
    expect(args).toMatchObject({
      decoders: ['random'],
      tokens: 8,
      setups: [{ workers: 2, threads: 2 }],
      levels: [2, 5],
    });
  });

  it('refuses what it cannot read', () => {
    expect(() => parseSetups('2')).toThrow(/WORKERSxTHREADS/);
    expect(() => parseCapacityArgs(['--levels', '1,0'], defaults)).toThrow(/positive integers/);
    expect(() => parseCapacityArgs(['--decoders', 'real'], defaults)).toThrow(/fixed or random/);
    expect(() => parseCapacityArgs(['--sessions', '3'], defaults)).toThrow(/unknown argument/);
    expect(() => parseCapacityArgs(['--levels'], defaults)).toThrow(/needs a value/);
  });
});

describe('phasedProgram', () => {
  const frames = [0, 1, 2, 3, 4, 5];

  it('starts each session of a level further into the clip, wrapping around', () => {
    expect([0, 1, 2].map((i) => phasedProgram(frames, i, 3, 1))).toEqual([
      [0, 1, 2, 3, 4, 5],
      [2, 3, 4, 5, 0, 1],
      [4, 5, 0, 1, 2, 3],
    ]);
  });

  it('repeats the pass', () => {
    expect(phasedProgram(frames, 1, 2, 2)).toEqual([3, 4, 5, 0, 1, 2, 3, 4, 5, 0, 1, 2]);
  });
});

describe('levelProblem', () => {
  const level = { sessions: 2, failedSessions: 0, errorEvents: 0, finals: 6, latencyP95Ms: 4999 };

  it('holds under the bound, with no failure', () => {
    expect(levelProblem(level, 5000)).toBeUndefined();
  });

  it('says why a level did not hold', () => {
    expect(levelProblem({ ...level, latencyP95Ms: 5000 }, 5000)).toMatch(/p95 5000 ms/);
    expect(levelProblem({ ...level, failedSessions: 1 }, 5000)).toMatch(/failed/);
    expect(levelProblem({ ...level, errorEvents: 2 }, 5000)).toMatch(/error event/);
    expect(levelProblem({ ...level, finals: 0, latencyP95Ms: undefined }, 5000)).toBe('no final');
  });
});

describe('capacityTable', () => {
  it('prints one aligned Markdown row per level', () => {
    const table = capacityTable([
      {
        decoder: 'fixed',
        setup: '1 worker x 1 thread',
        streams: 2,
        finals: 7,
        p50: 1500.4,
        p95: 2400,
        clientP95: 2300,
        utterancesPerS: 0.333,
        engineMsMean: 1800,
        workerCpuPct: 60.2,
        othersCpuPct: 3,
        verdict: 'yes',
      },
    ]);
    const lines = table.split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatch(/^\| fixed +\| 1 worker x 1 thread \| 2 +\| 7 +\| 1500 \/ 2400 +\|/);
    expect(lines[2]).toContain('| 0.33 ');
    expect(new Set(lines.map((l) => l.length)).size).toBe(1);
  });
});
