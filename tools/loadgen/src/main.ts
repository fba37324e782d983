import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from './lib/args';
import { loadClip } from './lib/clip';
import { startLoad } from './lib/load';

/** `loadgen --url http://127.0.0.1:PORT --sessions N --ramp R --workers W --clip F --duration S --json F` */
async function main(): Promise<void> {
  const cli = parseArgs(process.argv.slice(2));
  const clip = loadClip(cli.clip);
  const log = (text: string): void => {
    if (!cli.quiet) {
      process.stderr.write(text + '\n');
    }
  };
  log(
    `loadgen: ${cli.sessions} sessions at ${cli.ramp}/s in ${cli.workers} worker(s) -> ${cli.url}, ` +
      `${clip.frames.length} Opus frames (${clip.durationMs} ms) looped for ${cli.durationS} s`,
  );
  let live = 0;
  let failed = 0;
  const run = startLoad(cli, clip.frames, {
    onProgress: (e) => {
      if (e.kind === 'streaming') live++;
      if (e.kind === 'stopped') live--;
      if (e.kind === 'failed') failed++;
    },
    onWarning: (text) => log(text.trimEnd()),
  });
  const ticker = setInterval(() => log(`  streaming ${live}, failed ${failed}`), 2000);
  const interrupt = (): void => run.stop();
  process.once('SIGINT', interrupt);
  const result = await run.done;
  clearInterval(ticker);
  process.off('SIGINT', interrupt);
  if (cli.json) {
    mkdirSync(dirname(cli.json), { recursive: true });
    writeFileSync(cli.json, JSON.stringify(result, null, 2));
  }
  const s = result.summary;
  process.stdout.write(JSON.stringify(s, null, 2) + '\n');
  process.exitCode = s.failed > 0 ? 1 : 0;
}

main().catch((err: unknown) => {
  process.stderr.write(`loadgen: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
});
