import { resolve } from 'node:path';
import type { Budget } from './findings';
import { randomSeed } from './rng';
import { DEFAULT_BUDGETS, TARGETS, type TargetName } from './run';

export interface CliArgs {
  seed: number;
  targets: TargetName[];
  budgets: Record<TargetName, Budget>;
  udpRate: number;
  connectChecks: number;
  out: string;
  longClip?: string;
  shortClip?: string;
}

export const USAGE = `npm run fuzz -- [options]
  --seed N            replay a run (default: a random seed, printed at the start)
  --target a,b        only these targets: ${TARGETS.join(', ')} (default: all)
  --count N|t=N,...   cases per target (offers, messages, requests, datagrams, hostile packets)
  --seconds S|t=S,... time per target (each stops at whichever comes first)
  --udp-rate N        datagrams a second at the ICE port (default 1000)
  --connect-checks N  accepted offers tried with a real peer (default 10)
  --long-clip FILE    speech streamed while UDP datagrams fly (default fixtures/audio/conversation.wav)
  --short-clip FILE   speech that must be transcribed after hostile RTP (default goforward.wav)
  --out DIR           where report-<seed>.json goes (default dist/fuzz)`;

/** Parses the command line; throws with the usage on a bad argument. */
export function parseArgs(argv: readonly string[], workspace: string): CliArgs {
  const budgets = Object.fromEntries(TARGETS.map((t) => [t, { ...DEFAULT_BUDGETS[t] }])) as Record<
    TargetName,
    Budget
  >;
  const args: CliArgs = {
    seed: randomSeed(),
    targets: [...TARGETS],
    budgets,
    udpRate: 1000,
    connectChecks: 10,
    out: resolve(workspace, 'dist/fuzz'),
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) throw new Error(`${flag} needs a value\n${USAGE}`);
      return v;
    };
    switch (flag) {
      case '--seed': {
        const seed = Number(value());
        if (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)
          throw new Error('--seed is an integer from 0 to 4294967295');
        args.seed = seed;
        break;
      }
      case '--target':
      case '--targets': {
        const names = value()
          .split(',')
          .map((t) => t.trim())
          .filter(Boolean);
        const unknown = names.filter((t) => !TARGETS.includes(t as TargetName));
        if (unknown.length > 0 || names.length === 0)
          throw new Error(`unknown target ${unknown.join(', ')}; targets: ${TARGETS.join(', ')}`);
        args.targets = names as TargetName[];
        break;
      }
      case '--count':
        setBudgets(budgets, 'count', value());
        break;
      case '--seconds':
        setBudgets(budgets, 'seconds', value());
        break;
      case '--udp-rate':
        args.udpRate = positive('--udp-rate', value());
        break;
      case '--connect-checks':
        args.connectChecks = Number(value());
        if (!Number.isInteger(args.connectChecks) || args.connectChecks < 0)
          throw new Error('--connect-checks is a whole number');
        break;
      case '--long-clip':
        args.longClip = resolve(value());
        break;
      case '--short-clip':
        args.shortClip = resolve(value());
        break;
      case '--out':
        args.out = resolve(value());
        break;
      case '--help':
      case '-h':
        throw new Error(USAGE);
      default:
        throw new Error(`unknown argument ${argv[i]}\n${USAGE}`);
    }
  }
  return args;
}

/** `N` for every target, or `sdp=N,udp=M` for some. */
function setBudgets(budgets: Record<TargetName, Budget>, field: keyof Budget, text: string): void {
  if (!text.includes('=')) {
    const n = positive(`--${field}`, text);
    for (const t of TARGETS) budgets[t][field] = n;
    return;
  }
  for (const part of text.split(',')) {
    const [name, raw] = part.split('=');
    if (!TARGETS.includes(name as TargetName))
      throw new Error(`unknown target ${name} in --${field}`);
    budgets[name as TargetName][field] = positive(`--${field}`, raw ?? '');
  }
}

function positive(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0)
    throw new Error(`${flag} needs a positive number, not "${text}"`);
  return n;
}
