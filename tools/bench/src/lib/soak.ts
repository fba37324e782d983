import { setTimeout as sleep } from 'node:timers/promises';
import { startLoad, type SessionOutcome } from '@whisperstream/loadgen';
import type { Bench, Snapshot } from './bench';

export interface SoakConfig {
  total: number;
  waveSize: number;
  ramp: number;
  streamS: number;
  budgetS: number;
}

export interface WaveResult {
  wave: number;
  sessions: number;
  failed: number;
  failures: Record<string, number>;
  durationMs: number;
  after: Snapshot;
}

export interface SoakResult {
  config: SoakConfig;
  completed: number;
  failed: number;
  firstErrors: string[];
  baseline: Snapshot;
  waves: WaveResult[];
  final: Snapshot;
  settledAfterMs: number;
  /** Heap growth (after GC) per wave of 100 sessions over the second half of the soak. */
  heapSlopeBytesPer100Sessions?: number;
  verdict: {
    fdsBack: boolean;
    udpBack: boolean;
    handlesBack: boolean;
    heapDeltaBytes?: number;
    rssDeltaBytes: number;
  };
  durationMs: number;
}

/**
 * Churn: `total` sessions opened, streamed briefly and closed, in waves; then the server's
 * memory, file descriptors, UDP sockets and active handles are compared with the baseline.
 */
export async function soak(bench: Bench, config: SoakConfig): Promise<SoakResult> {
  const { log } = bench.config;
  const started = Date.now();
  // Warm up (JIT, pools, lazy modules) so that the baseline is not the cold process.
  await startLoad(
    { url: bench.server.baseUrl, sessions: 10, ramp: 10, workers: 0, durationS: config.streamS },
    bench.config.clipFrames,
  ).done;
  await bench.waitForNoSessions();
  await sleep(4000); // closed sessions are forgotten after SESSION_RETENTION_MS
  const baseline = await bench.snapshot(true);
  log(`soak baseline: ${fmtSnap(baseline)}`);
  const waves: WaveResult[] = [];
  const outcomes: SessionOutcome[] = [];
  let done = 0;
  for (let wave = 0; done < config.total; wave++) {
    if (Date.now() - started > config.budgetS * 1000) {
      log(`soak: time budget of ${config.budgetS} s reached after ${done} sessions`);
      break;
    }
    const size = Math.min(config.waveSize, config.total - done);
    const t0 = Date.now();
    const result = await startLoad(
      {
        url: bench.server.baseUrl,
        sessions: size,
        ramp: config.ramp,
        workers: bench.config.workers,
        durationS: config.streamS,
      },
      bench.config.clipFrames,
      { onWarning: (t) => log(t.trimEnd()) },
    ).done;
    await bench.waitForNoSessions();
    outcomes.push(...result.outcomes);
    done += size;
    await sleep(2500); // closed sessions are forgotten after SESSION_RETENTION_MS (2 s here)
    const after = await bench.snapshot(true);
    waves.push({
      wave,
      sessions: size,
      failed: result.summary.failed,
      failures: result.summary.failuresByStage,
      durationMs: Date.now() - t0,
      after,
    });
    log(
      `soak wave ${wave}: ${size} sessions, ${result.summary.failed} failed, ${Date.now() - t0} ms; ${fmtSnap(after)}`,
    );
  }
  // Let retention expire and the peer connections' timers run out, then compare.
  const settleStart = Date.now();
  await sleep(5000);
  let final = await bench.snapshot(true);
  for (let i = 0; i < 10 && !back(baseline, final); i++) {
    await sleep(2000);
    final = await bench.snapshot(true);
  }
  // Heap after GC, wave by wave: a leak shows as a steady rise, warm-up as a step.
  const heaps = waves.map((w) => w.after.heapUsedBytes ?? 0);
  const half = Math.floor(heaps.length / 2);
  const heapSlopeBytesPer100 =
    heaps.length >= 4
      ? Math.round((heaps[heaps.length - 1] - heaps[half]) / (heaps.length - 1 - half))
      : undefined;
  const failed = outcomes.filter((o) => o.failedStage);
  return {
    config,
    completed: done,
    failed: failed.length,
    firstErrors: failed.slice(0, 5).map((o) => `${o.failedStage}: ${o.errors[0] ?? ''}`),
    baseline,
    waves,
    final,
    settledAfterMs: Date.now() - settleStart,
    heapSlopeBytesPer100Sessions: heapSlopeBytesPer100,
    verdict: {
      fdsBack: final.fds.fds <= baseline.fds.fds,
      udpBack: final.fds.udp <= baseline.fds.udp,
      handlesBack: handleCount(final) <= handleCount(baseline),
      heapDeltaBytes:
        final.heapUsedBytes !== undefined && baseline.heapUsedBytes !== undefined
          ? final.heapUsedBytes - baseline.heapUsedBytes
          : undefined,
      rssDeltaBytes: final.rssBytes - baseline.rssBytes,
    },
    durationMs: Date.now() - started,
  };
}

function handleCount(s: Snapshot): number {
  return Object.values(s.activeResources ?? {}).reduce((a, b) => a + b, 0);
}

function back(baseline: Snapshot, now: Snapshot): boolean {
  return (
    now.fds.fds <= baseline.fds.fds &&
    now.fds.udp <= baseline.fds.udp &&
    handleCount(now) <= handleCount(baseline)
  );
}

export function fmtSnap(s: Snapshot): string {
  return (
    `rss ${(s.rssBytes / 2 ** 20).toFixed(1)} MiB, heap ${s.heapUsedBytes !== undefined ? (s.heapUsedBytes / 2 ** 20).toFixed(1) : '?'} MiB, ` +
    `fds ${s.fds.fds}, udp ${s.fds.udp}, handles ${JSON.stringify(s.activeResources ?? {})}`
  );
}
