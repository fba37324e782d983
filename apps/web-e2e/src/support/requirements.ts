import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { hasPocketsphinx } from '@whisperstream/fake-openai';

/** CI sets this: anything a test needs but cannot find is then a failure, not a skip. */
export const REQUIRE_ALL = process.env['WHISPERSTREAM_REQUIRE_ALL'] === '1';

/** Debian's Chromium; WHISPERSTREAM_CHROMIUM points elsewhere (e.g. Ubuntu's chromium-browser). */
export const CHROMIUM_PATH = process.env['WHISPERSTREAM_CHROMIUM'] || '/usr/bin/chromium';

/** Debian's Firefox ESR; WHISPERSTREAM_FIREFOX points elsewhere (another Firefox 12x+). */
export const FIREFOX_PATH = process.env['WHISPERSTREAM_FIREFOX'] || '/usr/bin/firefox-esr';

/** Something outside npm that a test needs, and how to get it. */
export interface Requirement {
  name: string;
  available: () => boolean;
  install: string;
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The full path of a command found on PATH, or null. */
export function onPath(command: string): string | null {
  const dirs = (process.env['PATH'] ?? '').split(delimiter).filter((dir) => dir !== '');
  return dirs.map((dir) => join(dir, command)).find(isExecutable) ?? null;
}

export const CHROMIUM: Requirement = {
  name: `Chromium (${CHROMIUM_PATH})`,
  available: () => isExecutable(CHROMIUM_PATH),
  install: 'apt-get install -y chromium',
};

export const FIREFOX: Requirement = {
  name: `Firefox (${FIREFOX_PATH})`,
  available: () => isExecutable(FIREFOX_PATH),
  install: 'apt-get install -y firefox-esr',
};

/** Firefox starts no AudioContext (the fake microphone's) without a sound server. */
export const PULSEAUDIO: Requirement = {
  name: 'PulseAudio (pulseaudio, a private sound server for Firefox)',
  available: () => onPath('pulseaudio') !== null,
  install: 'apt-get install -y --no-install-recommends pulseaudio',
};

export const POCKETSPHINX: Requirement = {
  name: 'pocketsphinx (pocketsphinx_continuous, for real speech recognition)',
  available: hasPocketsphinx,
  install: 'apt-get install -y pocketsphinx pocketsphinx-en-us',
};

/** Why the requirements are not met, or null when they all are. */
export function missing(requirements: Requirement[]): string | null {
  const absent = requirements.filter((r) => !r.available());
  if (absent.length === 0) {
    return null;
  }
  return absent
    .map((r) => `${r.name} is not installed (install it with \`${r.install}\`)`)
    .join('; ');
}

/**
 * `describe`, when what the tests need is installed. Otherwise the tests are skipped and the
 * output says so plainly, why, and how to install it; with WHISPERSTREAM_REQUIRE_ALL=1 a
 * single failing test takes their place.
 */
export function describeWith(requirements: Requirement[], name: string, body: () => void): void {
  const why = missing(requirements);
  if (why === null) {
    describe(name, body);
  } else if (REQUIRE_ALL) {
    describe(name, () => {
      it('has everything it needs', () => {
        throw new Error(`WHISPERSTREAM_REQUIRE_ALL=1, but ${why}`);
      });
    });
  } else {
    process.stdout.write(
      `SKIPPED: ${name}: ${why}. Set WHISPERSTREAM_REQUIRE_ALL=1 to make this a failure.\n`,
    );
    describe.skip(`${name} (SKIPPED: ${why})`, body);
  }
}

/**
 * For a check inside a test that needs a requirement the rest of the test does without (the
 * word error rate needs pocketsphinx; lines appear with the fallback recognizer too): true if
 * it can run; otherwise prints that it was skipped, or throws under WHISPERSTREAM_REQUIRE_ALL=1.
 */
export function canCheck(requirement: Requirement, check: string): boolean {
  const why = missing([requirement]);
  if (why === null) {
    return true;
  }
  if (REQUIRE_ALL) {
    throw new Error(`WHISPERSTREAM_REQUIRE_ALL=1, but ${why}: cannot check ${check}`);
  }
  process.stdout.write(`SKIPPED (${check}): ${why}\n`);
  return false;
}
