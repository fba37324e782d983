import { resolve } from 'node:path';
import { FIXTURES, WORKSPACE } from '@whisperstream/server-harness';
import { renderSummary, writeReport } from './lib/report';
import { runFuzz, TARGETS, type TargetName } from './lib/run';
import type { Budget } from './lib/findings';

/** A fixed seed: the same cases on every run, so a failure here replays with `npm run fuzz`. */
const SEED = 20261202;

/** Each target briefly: the whole slice takes about 50 s on a 2-core machine. */
const SLICE: Record<TargetName, Budget> = {
  sdp: { count: 300, seconds: 15 },
  ws: { count: 600, seconds: 15 },
  http: { count: 600, seconds: 15 },
  udp: { count: 3000, seconds: 20 },
  rtp: { count: 300, seconds: 30 },
};

describe('fuzz slice (fixed seed, every target briefly)', () => {
  it('finds no crash, 5xx, hang, lost event or broken contract rule', async () => {
    const lines: string[] = [];
    const report = await runFuzz({
      seed: SEED,
      targets: TARGETS,
      budgets: SLICE,
      udpRate: 1000,
      connectChecks: 2,
      // Short clips keep the live targets to a few seconds each.
      longClip: resolve(FIXTURES, 'librivox-0880.wav'),
      shortClip: resolve(FIXTURES, 'goforward.wav'),
      log: (text) => lines.push(text),
    });
    writeReport(report, resolve(WORKSPACE, 'dist/fuzz/e2e'));
    const summary = renderSummary(report);
    process.stdout.write(`${summary}\n`);

    expect(report.targets.map((t) => t.target)).toEqual([...TARGETS]);
    for (const target of report.targets) {
      expect([target.target, target.count > 0]).toEqual([target.target, true]);
    }
    expect(report.serverProcesses).toBe(1);
    // On failure, the findings say what was sent and what happened; replay with the seed.
    expect(
      report.defects.map((d) => `[${d.kind}] ${d.target} #${d.caseIndex} ${d.input}: ${d.detail}`),
    ).toEqual([]);
  });
});
