import { resolve } from 'node:path';
import { assertLoopbackUrl } from './loopback';
import type { CandidateShape } from '@whisperstream/webrtc-client';
import type { LoadOptions } from './types';

const CANDIDATE_SHAPES: CandidateShape[] = ['as-is', 'empty-mid', 'mdns-only'];

export interface CliOptions extends LoadOptions {
  clip: string;
  /** Where to write the JSON report (optional). */
  json?: string;
  quiet: boolean;
}

export const USAGE = `Usage: loadgen --url http://127.0.0.1:PORT [options]

  --url URL          the server (loopback only: 127.0.0.0/8, ::1, localhost)
  --sessions N       sessions in total (default 10)
  --ramp R           sessions started per second (default 5; "inf" starts all at once)
  --workers W        worker processes (default 1; 0 runs in this process)
  --clip FILE        PCM16 WAV streamed as Opus in real time, looped (default fixtures/audio/librivox-0870.wav)
  --duration S       seconds each session streams (default 10)
  --connect-timeout MS   ICE + DTLS deadline per session (default 20000)
  --candidates SHAPE trickle candidates as other stacks do: as-is (default), empty-mid
                     (pion: "sdpMid": ""), mdns-only (Firefox without a stored permission)
  --gather-before-offer  send every candidate and end-of-candidates before the offer
  --json FILE        write every session's outcome and the summary there
  --quiet            no progress on stderr
`;

const NUMBER_FLAGS: Record<string, keyof LoadOptions> = {
  '--sessions': 'sessions',
  '--ramp': 'ramp',
  '--workers': 'workers',
  '--duration': 'durationS',
  '--connect-timeout': 'connectTimeoutMs',
};

/** Parses the command line; throws an Error naming the bad argument (the URL is checked too). */
export function parseArgs(argv: readonly string[], cwd = process.cwd()): CliOptions {
  const out: CliOptions = {
    url: '',
    sessions: 10,
    ramp: 5,
    workers: 1,
    durationS: 10,
    clip: resolve(cwd, 'fixtures/audio/librivox-0870.wav'),
    quiet: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined) {
        throw new Error(`${flag} needs a value`);
      }
      return v;
    };
    if (flag === '--url') {
      out.url = value();
    } else if (flag === '--clip') {
      out.clip = resolve(cwd, value());
    } else if (flag === '--json') {
      out.json = resolve(cwd, value());
    } else if (flag === '--quiet') {
      out.quiet = true;
    } else if (flag === '--gather-before-offer') {
      out.gatherBeforeOffer = true;
    } else if (flag === '--candidates') {
      const shape = value();
      if (!CANDIDATE_SHAPES.includes(shape as CandidateShape)) {
        throw new Error(
          `--candidates must be one of ${CANDIDATE_SHAPES.join(', ')}, not "${shape}"`,
        );
      }
      out.candidateShape = shape as CandidateShape;
    } else if (flag in NUMBER_FLAGS) {
      const raw = value();
      const n = flag === '--ramp' && /^inf(inity)?$/i.test(raw) ? Infinity : Number(raw);
      if (Number.isNaN(n) || n < 0 || (flag !== '--ramp' && !Number.isFinite(n))) {
        throw new Error(`${flag} must be a non-negative number, not "${raw}"`);
      }
      (out as unknown as Record<string, number>)[NUMBER_FLAGS[flag]] = n;
    } else {
      throw new Error(`unknown argument "${argv[i]}"\n\n${USAGE}`);
    }
  }
  if (!out.url) {
    throw new Error(`--url is required\n\n${USAGE}`);
  }
  out.url = assertLoopbackUrl(out.url);
  if (!Number.isInteger(out.sessions) || out.sessions < 1) {
    throw new Error('--sessions must be a positive integer');
  }
  if (!Number.isInteger(out.workers)) {
    throw new Error('--workers must be an integer');
  }
  if (out.ramp <= 0) {
    throw new Error('--ramp must be above 0');
  }
  if (out.durationS <= 0) {
    throw new Error('--duration must be above 0');
  }
  return out;
}
