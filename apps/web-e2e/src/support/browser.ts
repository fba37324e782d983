import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser } from 'playwright-core';
import { FIXTURES } from '@whisperstream/server-harness';
import { readWav, toMono, writeWav } from '@whisperstream/webrtc-client';
import { CHROMIUM_PATH } from './requirements';

/** The flags from docs/TESTING.md, less the fake-microphone ones, which depend on the test. */
export const BASE_FLAGS = [
  '--headless=new',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--autoplay-policy=no-user-gesture-required',
];

export interface LaunchOptions {
  /**
   * `granted` (default): the microphone is allowed without a prompt and the fake device plays
   * `fakeMicWav`. `denied`: no fake permission UI, and every permission prompt is refused,
   * as when the person clicks "Block".
   */
  microphone?: 'granted' | 'denied';
  /** Absolute path of the WAV the fake microphone plays (in a loop). */
  fakeMicWav?: string;
}

/** Debian's Chromium, headless, driven by playwright-core (no browser is ever downloaded). */
export function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  const args = [...BASE_FLAGS, '--use-fake-device-for-media-stream'];
  if ((options.microphone ?? 'granted') === 'granted') {
    args.push('--use-fake-ui-for-media-stream');
  } else {
    args.push('--deny-permission-prompts');
  }
  if (options.fakeMicWav) {
    args.push(`--use-file-for-fake-audio-capture=${options.fakeMicWav}`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, args });
}

/** A piece of a fake-microphone clip: a fixture from fixtures/audio, or silence. */
export type ClipPart = { fixture: string } | { silenceMs: number };

const SAMPLE_RATE = 16_000;

/** Fake-microphone clips written for one test file; `dispose()` removes them. */
export class MicClips {
  /** Made on first use: a skipped suite's body still runs, its clean-up hooks do not. */
  #dir: string | null = null;

  /**
   * Writes a fixture clip with silence around it. Chromium loops the file and about the first
   * 1.5 s are gone before the connection is up, hence the leading silence; trailing silence
   * keeps the loop from starting over during the test.
   */
  padded(fixture: string, leadingMs: number, trailingMs: number): string {
    return this.compose(`${fixture.replace(/\.wav$/, '')}-${leadingMs}-${trailingMs}`, [
      { silenceMs: leadingMs },
      { fixture },
      { silenceMs: trailingMs },
    ]);
  }

  /** Writes the parts one after the other as a 16 kHz mono WAV and returns its path. */
  compose(name: string, parts: ClipPart[]): string {
    const pieces = parts.map((part) => {
      if ('silenceMs' in part) {
        return new Int16Array(Math.round((part.silenceMs * SAMPLE_RATE) / 1000));
      }
      const wav = readWav(readFileSync(resolve(FIXTURES, part.fixture)));
      if (wav.sampleRate !== SAMPLE_RATE) {
        throw new Error(`${part.fixture} is ${wav.sampleRate} Hz, not ${SAMPLE_RATE}`);
      }
      return toMono(wav.samples, wav.channels);
    });
    const out = new Int16Array(pieces.reduce((sum, piece) => sum + piece.length, 0));
    let offset = 0;
    for (const piece of pieces) {
      out.set(piece, offset);
      offset += piece.length;
    }
    this.#dir ??= mkdtempSync(join(tmpdir(), 'web-e2e-mic-'));
    const path = join(this.#dir, `${name}.wav`);
    writeFileSync(path, writeWav(out, SAMPLE_RATE));
    return path;
  }

  dispose(): void {
    if (this.#dir !== null) {
      rmSync(this.#dir, { recursive: true, force: true });
      this.#dir = null;
    }
  }
}
