// `npm start` runs this before the server: on first run with no speech engine configured, a
// person at a terminal is offered the Whisper model download; without a network they get a
// clear message at once. It never blocks the start: whatever happens, it exits 0.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { DownloadError, downloadModel } from './lib/download';
import { canReach, DECLINED_MARKER, planFirstRun, whisperBindingInstalled } from './lib/first-run';
import { consoleProgress } from './lib/progress';

const ANSWER_TIMEOUT_MS = 60_000;

async function ask(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    const answer = await rl.question(question, { signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS) });
    return /^(|y|yes)$/i.test(answer.trim());
  } catch {
    process.stdout.write('\n(no answer)\n');
    return false;
  } finally {
    rl.close();
  }
}

async function main(): Promise<void> {
  const plan = planFirstRun({
    env: process.env,
    interactive: Boolean(process.stdin.isTTY && process.stdout.isTTY),
    whisperRuns: whisperBindingInstalled(),
  });
  if (plan.action === 'nothing') return;
  if (plan.action === 'advise') {
    process.stdout.write(`${plan.message}\n`);
    return;
  }
  const reach = await canReach(plan.url);
  if (!reach.ok) {
    process.stdout.write(
      `No speech engine is set up, and the Whisper model cannot be downloaded from here (${reach.reason}).\n` +
        'Set OPENAI_API_KEY (or OPENAI_BASE_URL), or install the offline engine with ' +
        '`apt-get install pocketsphinx pocketsphinx-en-us`. Starting without local Whisper.\n',
    );
    return;
  }
  const yes = await ask(
    `No speech engine is set up. Download the Whisper model ${plan.model} (${plan.size}) into ${plan.dir}/ now? [Y/n] `,
  );
  if (!yes) {
    mkdirSync(plan.dir, { recursive: true });
    writeFileSync(join(plan.dir, DECLINED_MARKER), `${new Date().toISOString()}\n`);
    process.stdout.write(
      `Not downloading; \`npm run model:download -- ${plan.model}\` does it later.\n`,
    );
    return;
  }
  try {
    const result = await downloadModel({
      name: plan.model,
      modelsDir: plan.dir,
      baseUrl: process.env['WHISPER_MODEL_BASE_URL'] || undefined,
      progress: consoleProgress(),
    });
    process.stdout.write(`Whisper model ready: ${result.path}\n`);
  } catch (error) {
    const message = error instanceof DownloadError ? error.message : String(error);
    process.stdout.write(`The download failed (${message}); starting without local Whisper.\n`);
  }
}

main().catch((error: unknown) => {
  process.stdout.write(`First-run check skipped: ${String(error)}\n`);
});
