import { existsSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import { ALL_CLIPS, DEFAULT_PAD_AFTER_MS, QUICK_CLIPS } from './fixtures';

export const USAGE = `Usage: npm run bench:segmentation -- [options]

Plays each speech fixture through the live path (WebRTC in, SSE out) in real time, once per
segmentation (SEGMENTATION=fixed with FIXED_CHUNK_MS=3000, and SEGMENTATION=vad), with the
offline engine (TRANSCRIPTION_ENGINE=sphinx, partials on), and compares the word error rate
with the same engine on the whole reference utterances. Needs the built server (nx run
api:build; the npm script does it) and Debian's pocketsphinx.

  --quick          conversation.wav and noise.wav only (about a third of the time)
  --clips A,B      these fixtures only (names from fixtures/audio/manifest.json)
  --pad MS         silence after each single clip (default ${DEFAULT_PAD_AFTER_MS})
  --partials off   PARTIALS=off for fixed and vad (default on: what re-transcription costs)
  --out DIR        where segmentation.json and segmentation.md go (default dist/bench)
  --help           this text

Exit status: 0 done, 1 a session or server failed, 2 missing prerequisites or bad arguments.
`;

export interface BenchArgs {
  help: boolean;
  quick: boolean;
  clips: string[];
  padAfterMs: number;
  /** PARTIALS for the fixed and vad servers. */
  partials: 'on' | 'off';
  out: string;
}

/** Parses the command line; throws an Error naming the bad argument. */
export function parseArgs(argv: readonly string[], workspace: string): BenchArgs {
  const args: BenchArgs = {
    help: false,
    quick: false,
    clips: [...ALL_CLIPS],
    padAfterMs: DEFAULT_PAD_AFTER_MS,
    partials: 'on',
    out: resolve(workspace, 'dist/bench'),
  };
  let clipsGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') {
        throw new Error(`${flag} needs a value`);
      }
      return v;
    };
    switch (flag) {
      case '--help':
      case '-h':
        args.help = true;
        break;
      case '--quick':
        args.quick = true;
        break;
      case '--clips':
        args.clips = value()
          .split(',')
          .map((c) => c.trim())
          .filter(Boolean);
        clipsGiven = true;
        break;
      case '--pad': {
        const raw = value();
        const ms = Number(raw);
        if (!Number.isFinite(ms) || ms < 0 || ms > 10_000) {
          throw new Error(`--pad must be 0..10000 ms, got ${raw}`);
        }
        args.padAfterMs = ms;
        break;
      }
      case '--partials': {
        const raw = value();
        if (raw !== 'on' && raw !== 'off') {
          throw new Error(`--partials must be on or off, got ${raw}`);
        }
        args.partials = raw;
        break;
      }
      case '--out':
        args.out = resolve(value());
        break;
      default:
        throw new Error(`unknown argument ${argv[i]} (see --help)`);
    }
  }
  if (args.quick && !clipsGiven) {
    args.clips = [...QUICK_CLIPS];
  }
  return args;
}

export const POCKETSPHINX_COMMAND = 'pocketsphinx_batch';
export const DEFAULT_SPHINX_MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';

/**
 * What stops the bench before it starts: the offline engine missing (the server would refuse
 * TRANSCRIPTION_ENGINE=sphinx) or the server not built. Empty when all is there.
 */
export function missingPrerequisites(
  env: NodeJS.ProcessEnv,
  serverMain: string,
  exists: (path: string) => boolean = existsSync,
): string[] {
  const problems: string[] = [];
  const onPath = (env['PATH'] ?? '')
    .split(delimiter)
    .some((dir) => dir !== '' && exists(join(dir, POCKETSPHINX_COMMAND)));
  const modelDir = env['SPHINX_MODEL_DIR'] || DEFAULT_SPHINX_MODEL_DIR;
  if (!onPath) {
    problems.push(
      `${POCKETSPHINX_COMMAND} is not on PATH: the benchmark needs a real local engine. ` +
        'Install it with: apt-get install -y pocketsphinx pocketsphinx-en-us',
    );
  } else if (!exists(join(modelDir, 'en-us'))) {
    problems.push(
      `no pocketsphinx model in ${modelDir}. Install it with: apt-get install -y pocketsphinx-en-us`,
    );
  }
  if (!exists(serverMain)) {
    problems.push(
      `the server is not built (${serverMain} is missing): run npx nx run api:build, ` +
        'or use npm run bench:segmentation, which builds it first',
    );
  }
  return problems;
}
