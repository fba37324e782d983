/**
 * `npm run bench:browsers`: how often each browser connects, and how fast. N sessions in a row
 * in one page of Chromium and one of Firefox (the browser tests' launchers, page driver and
 * fake microphone: mDNS-only candidates, no microphone permission), against the built server.
 * Each session: Start, `live` or a banner, Stop, `ended`. Prints a summary and writes
 * dist/bench/browsers.json. Not part of `npm test`.
 *
 *   npm run bench:browsers -- --sessions 20 --browsers chromium,firefox --out dist/bench
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { distribution, type Distribution } from '@whisperstream/loadgen';
import { WORKSPACE } from '@whisperstream/server-harness';
import { MicClips } from '../support/browser';
import { BrowserAppPage, type SessionRecord } from '../support/browser-app-page';
import type { CandidateCounts } from '../support/fake-mic-preload';
import {
  BROWSER_NAMES,
  BROWSER_REQUIREMENTS,
  launchBrowser,
  type BrowserName,
} from '../support/puppeteer-browsers';
import { startPulseAudio, type PulseAudio } from '../support/pulseaudio';
import { missing } from '../support/requirements';
import { startStack } from '../support/stack';

interface Args {
  sessions: number;
  browsers: BrowserName[];
  clip: string;
  out: string;
  timeoutMs: number;
}

interface BrowserResult {
  browser: BrowserName;
  version: string;
  sessions: number;
  /** Sessions that reached `live`. */
  connected: number;
  /** Banner codes of the sessions that did not, with their counts. */
  failures: Record<string, number>;
  /** `POST /api/sessions` to the peer connection `connected`, in the page. */
  createToConnectedMs: Distribution;
  /** Click on Start to the page's `live`. */
  clickToLiveMs: Distribution;
  /** What the browser offered (the first session's counts; the same every time here). */
  candidates: CandidateCounts | null;
  /** Each session, in order. */
  runs: Array<{
    live: boolean;
    banner: string | null;
    /** The banner's words: the server's reason, for a session that failed. */
    bannerText?: string;
    createToConnectedMs: number | null;
    clickToLiveMs: number | null;
  }>;
}

function parse(argv: string[]): Args {
  const args: Args = {
    sessions: 20,
    browsers: [...BROWSER_NAMES],
    clip: 'goforward.wav',
    out: resolve(WORKSPACE, 'dist/bench'),
    timeoutMs: 30_000,
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split(/=(.*)/s, 2);
    const value = () => inline ?? argv[++i] ?? '';
    switch (flag) {
      case '--sessions':
        args.sessions = Number(value());
        break;
      case '--browsers':
        args.browsers = value()
          .split(',')
          .map((name) => name.trim())
          .filter((name): name is BrowserName => (BROWSER_NAMES as string[]).includes(name));
        break;
      case '--clip':
        args.clip = value();
        break;
      case '--out':
        args.out = resolve(value());
        break;
      case '--timeout-ms':
        args.timeoutMs = Number(value());
        break;
      default:
        throw new Error(`unknown argument ${argv[i]} (--sessions, --browsers, --clip, --out)`);
    }
  }
  if (!Number.isInteger(args.sessions) || args.sessions < 1) {
    throw new Error('--sessions must be a positive whole number');
  }
  if (args.browsers.length === 0) {
    throw new Error(`--browsers: one or more of ${BROWSER_NAMES.join(', ')}`);
  }
  return args;
}

async function benchBrowser(
  name: BrowserName,
  baseUrl: string,
  clipWav: Buffer,
  args: Args,
): Promise<BrowserResult> {
  let pulse: PulseAudio | undefined;
  try {
    if (name === 'firefox') {
      pulse = await startPulseAudio();
    }
    const browser = await launchBrowser(name, { pulseServer: pulse?.server });
    try {
      const version = await browser.version();
      const app = await BrowserAppPage.open(browser, name, baseUrl, clipWav);
      const records: SessionRecord[] = [];
      for (let n = 1; n <= args.sessions; n++) {
        const record = await app.session({ untilFinal: false, timeoutMs: args.timeoutMs });
        records.push(record);
        process.stdout.write(
          `${name} ${n}/${args.sessions}: ${record.live ? 'live' : `FAILED (${record.banner?.code ?? 'no banner'})`}` +
            ` create->connected ${record.createToConnectedMs ?? '-'} ms, click->live ${record.clickToLiveMs ?? '-'} ms\n`,
        );
        if (!record.ended) {
          await app.reload();
        }
      }
      const failures: Record<string, number> = {};
      for (const record of records.filter((r) => !r.live)) {
        const code = record.banner?.code ?? 'no banner';
        failures[code] = (failures[code] ?? 0) + 1;
      }
      const numbers = (pick: (r: SessionRecord) => number | null) =>
        records.map(pick).filter((v): v is number => v !== null);
      return {
        browser: name,
        version,
        sessions: records.length,
        connected: records.filter((r) => r.live).length,
        failures,
        createToConnectedMs: distribution(numbers((r) => r.createToConnectedMs)),
        clickToLiveMs: distribution(numbers((r) => r.clickToLiveMs)),
        candidates: records[0]?.peer?.candidates ?? null,
        runs: records.map((r) => ({
          live: r.live,
          banner: r.banner?.code ?? null,
          ...(r.banner && !r.live ? { bannerText: r.banner.text } : {}),
          createToConnectedMs: r.createToConnectedMs,
          clickToLiveMs: r.clickToLiveMs,
        })),
      };
    } finally {
      await browser.close();
    }
  } finally {
    await pulse?.stop();
  }
}

async function main(): Promise<void> {
  const args = parse(process.argv.slice(2));
  for (const name of args.browsers) {
    const why = missing(BROWSER_REQUIREMENTS[name]);
    if (why !== null) {
      throw new Error(`cannot bench ${name}: ${why}`);
    }
  }
  const clips = new MicClips();
  const stack = await startStack({ recognizer: 'describe' }); // nothing to recognise: set-up only
  const results: BrowserResult[] = [];
  try {
    const clipWav = readFileSync(clips.padded(args.clip, 1000, 1000));
    for (const name of args.browsers) {
      results.push(await benchBrowser(name, stack.baseUrl, clipWav, args));
    }
  } finally {
    await stack.close();
    clips.dispose();
  }
  const report = {
    at: new Date().toISOString(),
    machine: { cpus: cpus().length, loadavg: loadavg().map((l) => Math.round(l * 100) / 100) },
    sessionsPerBrowser: args.sessions,
    browsers: results,
  };
  mkdirSync(args.out, { recursive: true });
  const file = resolve(args.out, 'browsers.json');
  writeFileSync(file, `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(
    '\nbrowser   connected  create->connected p50/p95  click->live p50/p95  failures\n',
  );
  for (const r of results) {
    process.stdout.write(
      `${r.browser.padEnd(9)} ${`${r.connected}/${r.sessions}`.padEnd(10)} ` +
        `${`${r.createToConnectedMs.p50 ?? '-'} / ${r.createToConnectedMs.p95 ?? '-'} ms`.padEnd(26)} ` +
        `${`${r.clickToLiveMs.p50 ?? '-'} / ${r.clickToLiveMs.p95 ?? '-'} ms`.padEnd(20)} ` +
        `${JSON.stringify(r.failures)}\n`,
    );
  }
  process.stdout.write(`\n${file}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(
    `${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
  );
  process.exitCode = 1;
});
