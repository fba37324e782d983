import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { FIXTURES } from '@whisperstream/server-harness';

export interface ManifestClip {
  file: string;
  seconds: number;
  text: string;
}

const MANIFEST = JSON.parse(readFileSync(resolve(FIXTURES, 'manifest.json'), 'utf8')) as {
  clips: ManifestClip[];
};

export function clip(file: string): ManifestClip {
  const found = MANIFEST.clips.find((c) => c.file === file);
  if (!found) {
    throw new Error(`no fixture ${file} in fixtures/audio/manifest.json`);
  }
  return found;
}
