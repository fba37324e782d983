import { resolve } from 'node:path';
import { parseArgs } from './lib/args';
import { renderSummary, writeReport } from './lib/report';
import { defaultClips, runFuzz } from './lib/run';

const WORKSPACE = resolve(__dirname, '../../..');

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2), WORKSPACE);
  const started = Date.now();
  const log = (text: string) =>
    process.stderr.write(
      `[fuzz ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${text}\n`,
    );
  log(
    `seed ${args.seed} (replay: npm run fuzz -- --seed ${args.seed}); targets ${args.targets.join(', ')}`,
  );
  const clips = defaultClips();
  const report = await runFuzz({
    seed: args.seed,
    targets: args.targets,
    budgets: args.budgets,
    udpRate: args.udpRate,
    connectChecks: args.connectChecks,
    longClip: args.longClip ?? clips.longClip,
    shortClip: args.shortClip ?? clips.shortClip,
    log,
  });
  const path = writeReport(report, args.out);
  process.stdout.write(`${renderSummary(report)}\nreport: ${path}\n`);
  return report.defects.length > 0 ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(
      `fuzz failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exit(2);
  },
);
