import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { hasPocketsphinx } from '@whisperstream/fake-openai';
import { FIXTURES } from '@whisperstream/server-harness';
import { encodeOpusFrames, readWav } from '@whisperstream/webrtc-client';

export interface ManifestClip {
  file: string;
  seconds: number;
  text: string;
  utterances?: Array<{ startSec: number; endSec: number; text: string }>;
}

export const MANIFEST = JSON.parse(readFileSync(resolve(FIXTURES, 'manifest.json'), 'utf8')) as {
  clips: ManifestClip[];
};

export function clip(file: string): ManifestClip {
  const found = MANIFEST.clips.find((c) => c.file === file);
  if (!found) throw new Error(`no fixture ${file}`);
  return found;
}

/** A fixture as 20 ms Opus frames, encoded once. */
export function opusFrames(file: string): Buffer[] {
  const wav = readWav(readFileSync(resolve(FIXTURES, file)));
  return encodeOpusFrames(wav.samples, wav.sampleRate);
}

/**
 * Whether tests that need real speech recognition can run. Without pocketsphinx they are
 * skipped with the reason printed; with WHISPERSTREAM_REQUIRE_ALL=1 (CI) that is a failure.
 */
export function requireRecognizer(): boolean {
  if (hasPocketsphinx()) return true;
  const why =
    'pocketsphinx_continuous is not installed, so the fake OpenAI server cannot really recognise speech; ' +
    'install it with `apt-get install -y pocketsphinx pocketsphinx-en-us`';
  if (process.env['WHISPERSTREAM_REQUIRE_ALL'] === '1')
    throw new Error(`required but missing: ${why}`);
  process.stdout.write(`SKIPPED (recognition checks): ${why}\n`);
  return false;
}

/** CPU seconds (user + system) a process has used so far, from /proc. */
export function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return ticks / 100;
}

/** Resident memory of a process in MiB, from /proc. */
export function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return kb / 1024;
}
