import { execFile } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import type { WavFacts } from './wav';

export type RecognizerName = 'pocketsphinx' | 'describe' | 'auto';

const POCKETSPHINX = 'pocketsphinx_continuous';

/** Whether Debian's `pocketsphinx_continuous` is on PATH (and executable). */
export function hasPocketsphinx(): boolean {
  for (const dir of (process.env['PATH'] ?? '').split(delimiter)) {
    if (!dir) {
      continue;
    }
    try {
      accessSync(join(dir, POCKETSPHINX), constants.X_OK);
      return true;
    } catch {
      // not here
    }
  }
  return false;
}

/** `auto` becomes `pocketsphinx` when it is installed, else `describe`. */
export function resolveRecognizer(name: RecognizerName): 'pocketsphinx' | 'describe' {
  if (name === 'auto') {
    return hasPocketsphinx() ? 'pocketsphinx' : 'describe';
  }
  return name;
}

/**
 * Runs `pocketsphinx_continuous -infile F -logfn /dev/null` on a 16 kHz mono PCM16 WAV (via a
 * temp file that is always removed; execFile, never a shell) and returns the text it printed.
 */
export async function recognizeWithPocketsphinx(wav: Buffer, timeoutMs = 60_000): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'fake-openai-'));
  const file = join(dir, 'audio.wav');
  try {
    await writeFile(file, wav);
    const stdout = await new Promise<string>((resolve, reject) => {
      execFile(
        POCKETSPHINX,
        ['-infile', file, '-logfn', '/dev/null'],
        { timeout: timeoutMs, maxBuffer: 1024 * 1024, encoding: 'utf8' },
        (err, out) => (err ? reject(err) : resolve(out)),
      );
    });
    return stdout
      .split('\n')
      .map((line) => line.trim())
      .filter((line) => line.length > 0)
      .join(' ');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The `describe` recognizer: a deterministic account of the audio, e.g. `[2790 ms of audio]`. */
export function describeAudio(facts: WavFacts): string {
  return `[${facts.durationMs} ms of audio]`;
}
