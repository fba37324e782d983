import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import {
  FIXTURES,
  SERVER_MAIN,
  startServer,
  type RunningServer,
} from '@whisperstream/server-harness';
import { encodeOpusFrames } from '@whisperstream/webrtc-client';
import { analyzeClip, joinedText, segmentsOf, summarize, type ClipResult } from './lib/analysis';
import { missingPrerequisites, parseArgs, USAGE, type BenchArgs } from './lib/args';
import {
  appendSilence,
  cutSpan,
  loadMono,
  planClip,
  readManifest,
  withVoicedEnds,
  type ClipPlan,
} from './lib/fixtures';
import { fetchTranscriptionMetrics, playClip } from './lib/live';
import { addCounters } from './lib/metrics';
import {
  renderMarkdown,
  type BaselineUtterance,
  type BenchReport,
  type SegmentationRun,
} from './lib/report';

const WORKSPACE = resolve(__dirname, '../../..');

/** The engine and what both segmentations share. */
const ENGINE_ENV: Record<string, string> = {
  TRANSCRIPTION_ENGINE: 'sphinx',
  ...(process.env['SPHINX_MODEL_DIR'] ? { SPHINX_MODEL_DIR: process.env['SPHINX_MODEL_DIR'] } : {}),
};

/** The two segmentations compared; partials forced (on unless `--partials off`). */
function segmentations(
  partials: 'on' | 'off',
): Array<{ name: string; env: Record<string, string> }> {
  const partialEnv = { PARTIALS: partials, PARTIAL_INTERVAL_MS: '1000' };
  return [
    { name: 'fixed', env: { SEGMENTATION: 'fixed', FIXED_CHUNK_MS: '3000', ...partialEnv } },
    { name: 'vad', env: { SEGMENTATION: 'vad', ...partialEnv } },
  ];
}

/**
 * The baseline: one session per whole utterance, one segment for all of it. FIXED_CHUNK_MS is
 * capped at 30 000 by the server's config, far above the longest utterance (7.1 s), so the
 * whole utterance is cut once, when the session is closed.
 */
const BASELINE_ENV: Record<string, string> = {
  SEGMENTATION: 'fixed',
  FIXED_CHUNK_MS: '30000',
  PARTIALS: 'off',
};

/** A session on a fresh server before the measured ones: engine and VAD model warm. */
const WARMUP_CLIP = 'goforward.wav';

interface PlayableClip {
  plan: ClipPlan;
  frames: Buffer[];
  /** The whole reference utterances, as Opus, for the baseline. */
  utterances: Array<{
    index: number;
    startMs: number;
    endMs: number;
    text: string;
    frames: Buffer[];
  }>;
}

const started = Date.now();
const log = (text: string): void => {
  process.stderr.write(
    `[segmentation-bench ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${text}\n`,
  );
};

function prepare(args: BenchArgs): PlayableClip[] {
  const manifest = readManifest(FIXTURES);
  return args.clips.map((file) => {
    const wav = loadMono(FIXTURES, file);
    const plan = withVoicedEnds(
      planClip(manifest, file, args.padAfterMs),
      wav.samples,
      wav.sampleRate,
    );
    const played = appendSilence(wav.samples, plan.padAfterMs, wav.sampleRate);
    return {
      plan,
      frames: encodeOpusFrames(played, wav.sampleRate),
      utterances: plan.utterances.map((u, index) => ({
        index,
        ...u,
        frames: encodeOpusFrames(
          cutSpan(wav.samples, wav.sampleRate, u.startMs, u.endMs),
          wav.sampleRate,
        ),
      })),
    };
  });
}

async function withServer<T>(
  env: Record<string, string>,
  body: (server: RunningServer) => Promise<T>,
): Promise<T> {
  const server = await startServer({
    ...ENGINE_ENV,
    ...env,
    LOG_LEVEL: 'info',
    SESSION_RATE_LIMIT_PER_MINUTE: '1000',
  });
  try {
    return await body(server);
  } finally {
    await server.stop();
  }
}

/** One unmeasured session first, so that no clip pays for a cold engine or VAD model. */
async function warmUp(server: RunningServer, args: BenchArgs): Promise<void> {
  const wav = loadMono(FIXTURES, WARMUP_CLIP);
  const frames = encodeOpusFrames(
    appendSilence(wav.samples, args.padAfterMs, wav.sampleRate),
    wav.sampleRate,
  );
  const run = await playClip({ baseUrl: server.baseUrl, file: WARMUP_CLIP, frames });
  if (run.failure) {
    throw new Error(`the warm-up session failed: ${run.failure}`);
  }
}

/** The baseline's text for a clip: its utterances' texts joined; null when one failed. */
function baselineTextOf(plan: ClipPlan, baseline: readonly BaselineUtterance[]): string | null {
  if (plan.reference === '') {
    return '';
  }
  const mine = baseline.filter((b) => b.file === plan.file);
  if (mine.length === 0 || mine.some((b) => b.failure)) {
    return null;
  }
  return joinedText(mine.map((b) => ({ text: b.hypothesis })));
}

/** Warnings and errors the server logged (messages only: no transcript text is ever logged). */
function serverWarnings(server: RunningServer): string[] {
  return (
    server.logs
      .filter((line) => line.level === 'warn' || line.level === 'error')
      // The harness points WEB_ROOT nowhere on purpose: the API alone is measured.
      .filter((line) => !String(line.msg).startsWith('web app not built'))
      .map((line) => `${line.level}: ${line.context ? `[${line.context}] ` : ''}${line.msg ?? ''}`)
      .slice(0, 50)
  );
}

async function runBaseline(
  clips: readonly PlayableClip[],
  args: BenchArgs,
): Promise<Omit<BenchReport['baseline'], 'env'>> {
  return withServer(BASELINE_ENV, async (server) => {
    log(`baseline server up at ${server.baseUrl}`);
    await warmUp(server, args);
    const out: BaselineUtterance[] = [];
    for (const clip of clips) {
      for (const u of clip.utterances) {
        const run = await playClip({
          baseUrl: server.baseUrl,
          file: clip.plan.file,
          frames: u.frames,
        });
        const hypothesis = joinedText(segmentsOf(run.events));
        out.push({
          file: clip.plan.file,
          index: u.index,
          startMs: u.startMs,
          endMs: u.endMs,
          reference: u.text,
          hypothesis,
          failure: run.failure,
        });
        log(
          `baseline ${clip.plan.file} #${u.index}: "${hypothesis}"${run.failure ? ` FAILED ${run.failure}` : ''}`,
        );
      }
    }
    return { utterances: out, serverWarnings: serverWarnings(server) };
  });
}

async function runSegmentation(
  segmentation: ReturnType<typeof segmentations>[number],
  clips: readonly PlayableClip[],
  baseline: readonly BaselineUtterance[],
  args: BenchArgs,
): Promise<SegmentationRun> {
  return withServer(segmentation.env, async (server) => {
    log(`${segmentation.name}: server up at ${server.baseUrl}`);
    await warmUp(server, args);
    const results: ClipResult[] = [];
    for (const clip of clips) {
      const run = await playClip({
        baseUrl: server.baseUrl,
        file: clip.plan.file,
        frames: clip.frames,
      });
      const result = analyzeClip(clip.plan, run, baselineTextOf(clip.plan, baseline));
      results.push(result);
      log(
        `${segmentation.name} ${clip.plan.file}: ${result.segments.length} segments, WER ${result.wer.toFixed(3)}` +
          `${result.baselineWer !== null ? ` (baseline ${result.baselineWer.toFixed(3)})` : ''}, ` +
          `latency ${result.utterances.map((u) => (u.finalLatencyMs === null ? 'missed' : Math.round(u.finalLatencyMs))).join(', ') || '–'} ms` +
          `${run.failure ? `; FAILED ${run.failure}` : ''}`,
      );
    }
    return {
      name: segmentation.name,
      env: { ...ENGINE_ENV, ...segmentation.env },
      clips: results,
      summary: summarize(results),
      engine: addCounters(results.map((r) => r.engine)),
      serverMetrics: await fetchTranscriptionMetrics(server.baseUrl),
      serverWarnings: serverWarnings(server),
    };
  });
}

async function main(): Promise<number> {
  let args: BenchArgs;
  try {
    args = parseArgs(process.argv.slice(2), WORKSPACE);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const problems = missingPrerequisites(process.env, SERVER_MAIN);
  if (problems.length > 0) {
    process.stderr.write(
      `segmentation-bench cannot run:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`,
    );
    return 2;
  }
  let clips: PlayableClip[];
  try {
    clips = prepare(args);
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n`);
    return 2;
  }

  log(`clips: ${args.clips.join(', ')}`);
  const baseline = await runBaseline(clips, args);
  const baselineUtterances = baseline.utterances;
  const runs: SegmentationRun[] = [];
  for (const segmentation of segmentations(args.partials)) {
    runs.push(await runSegmentation(segmentation, clips, baselineUtterances, args));
  }
  const report: BenchReport = {
    startedAt: new Date(started).toISOString(),
    durationS: Math.round((Date.now() - started) / 1000),
    machine: { cpus: cpus().length, model: cpus()[0]?.model ?? '?', node: process.version },
    quick: args.quick,
    padAfterMs: args.padAfterMs,
    baseline: { env: { ...ENGINE_ENV, ...BASELINE_ENV }, ...baseline },
    runs,
  };
  mkdirSync(args.out, { recursive: true });
  const markdown = renderMarkdown(report);
  writeFileSync(resolve(args.out, 'segmentation.json'), `${JSON.stringify(report, null, 2)}\n`);
  writeFileSync(resolve(args.out, 'segmentation.md'), markdown);
  process.stdout.write(`${markdown}\n`);
  log(`wrote ${resolve(args.out, 'segmentation.json')} and segmentation.md`);
  const failures =
    baselineUtterances.filter((b) => b.failure).length +
    runs.reduce((n, r) => n + r.clips.filter((c) => c.failure).length, 0);
  if (failures > 0) {
    log(`${failures} session(s) failed; see the report`);
    return 1;
  }
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(
      `segmentation-bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    process.exitCode = 1;
  },
);
