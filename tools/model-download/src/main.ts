import { parseArgs } from 'node:util';
import { DownloadError, downloadModel } from './lib/download';
import { DEFAULT_BASE_URL, DEFAULT_MODEL, KNOWN_MODELS, modelsDirOf } from './lib/models';
import { consoleProgress } from './lib/progress';

const USAGE = `Usage: npm run model:download -- [model ...] [--dir <folder>]

Fetches whisper.cpp ggml models into a folder, checks each against its
published SHA-1 and resumes a download that was cut off. Without a model name it fetches
the one WHISPER_MODEL names, or ${DEFAULT_MODEL}. The folder is --dir, else WHISPER_MODELS_DIR
(where the server looks), else models/.

Models: ${KNOWN_MODELS.map((m) => `${m.name} (${m.size})`).join(', ')}
Environment: WHISPER_MODEL, WHISPER_MODELS_DIR, WHISPER_MODEL_BASE_URL (default ${DEFAULT_BASE_URL})`;

/** `WHISPER_MODEL` as a known name, or the name in a `.../ggml-<name>.bin` path. */
function modelFromEnv(value: string | undefined): string | undefined {
  const name = value?.trim().match(/(?:^|[/\\])ggml-(.+)\.bin$/)?.[1] ?? value?.trim();
  return KNOWN_MODELS.some((model) => model.name === name) ? name : undefined;
}

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: { dir: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}\n`);
    return 2;
  }
  if (parsed.values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const names = parsed.positionals.length
    ? parsed.positionals
    : [modelFromEnv(process.env['WHISPER_MODEL']) ?? DEFAULT_MODEL];
  const controller = new AbortController();
  process.once('SIGINT', () => controller.abort());
  process.once('SIGTERM', () => controller.abort());

  for (const name of names) {
    try {
      const result = await downloadModel({
        name,
        modelsDir: modelsDirOf(parsed.values.dir, process.env),
        baseUrl: process.env['WHISPER_MODEL_BASE_URL'] || DEFAULT_BASE_URL,
        progress: consoleProgress(process.stderr),
        signal: controller.signal,
      });
      const state = result.alreadyPresent ? 'is already there and intact' : 'is ready';
      process.stdout.write(`${result.path} ${state}: WHISPER_MODEL=${name}\n`);
    } catch (error) {
      const message = error instanceof DownloadError ? error.message : String(error);
      process.stderr.write(`model:download: ${message}\n`);
      return error instanceof DownloadError && error.problem === 'aborted' ? 130 : 1;
    }
  }
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`model:download: ${String(error)}\n`);
    process.exitCode = 1;
  },
);
