import { setTimeout as sleep } from 'node:timers/promises';
import type { Bench, Snapshot } from './bench';

export interface ChurnConfig {
  /** Sessions created and closed. */
  total: number;
  /** The server's SESSION_RATE_LIMIT_PER_MINUTE; the churn runs just under it. */
  ratePerMinute: number;
  /** Requests in flight at once. */
  concurrency: number;
  /** A memory sample every this many sessions. */
  sampleEvery: number;
  budgetS: number;
}

export interface ChurnSample {
  sessions: number;
  elapsedS: number;
  rssBytes: number;
  /** After two forced GCs (through the inspector), when the server has one. */
  heapAfterGcBytes?: number;
  /** `memory.heapUsed` of GET /metrics, as the server reports it (no GC). */
  metricsHeapBytes?: number;
  openSessions?: number;
}

export interface ChurnResult {
  config: ChurnConfig;
  completed: number;
  failed: number;
  /** 429s met (the pacing stays under the limit, so these should be none). */
  rateLimited: number;
  firstErrors: string[];
  baseline: Snapshot;
  samples: ChurnSample[];
  final: ChurnSample;
  /** Heap after GC: the largest sample, and the last minus the first after the retention cap filled. */
  heapPeakBytes?: number;
  heapGrowthAfterCapBytes?: number;
  rssPeakBytes: number;
  sessionsPerSecond: number;
  durationMs: number;
}

/**
 * The soak of issue 11: `total` sessions created (`POST /api/sessions`) and closed (`DELETE`)
 * as fast as the server's rate limit allows, with nothing in between, while the server's memory
 * is sampled (RSS; heap after GC through the inspector; heap from /metrics). Closed sessions stay
 * readable for SESSION_RETENTION_MS (10 min by default): only the cap on how many are kept
 * (SESSION_RETENTION_MAX) bounds the memory here.
 */
export async function churn(bench: Bench, config: ChurnConfig): Promise<ChurnResult> {
  const { log } = bench.config;
  const base = bench.server.baseUrl;
  const started = Date.now();
  await sleep(1000);
  const baseline = await bench.snapshot(true);
  log(
    `churn baseline: rss ${mib(baseline.rssBytes)}, heap ${mib(baseline.heapUsedBytes)} (after GC)`,
  );

  const intervalMs = 60_000 / (config.ratePerMinute * 0.98);
  const samples: ChurnSample[] = [];
  const errors: string[] = [];
  let next = Date.now();
  let issued = 0;
  let completed = 0;
  let failed = 0;
  let rateLimited = 0;
  let sampling: Promise<void> | null = null;
  let nextSample = config.sampleEvery;

  const sample = async (): Promise<ChurnSample> => {
    const snap = await bench.snapshot(true);
    const metrics = await fetch(`${base}/metrics.json`)
      .then(
        (r) =>
          r.json() as Promise<{ memory?: { heapUsed?: number }; sessions?: { open?: number } }>,
      )
      .catch(() => undefined);
    return {
      sessions: completed,
      elapsedS: Math.round((Date.now() - started) / 100) / 10,
      rssBytes: snap.rssBytes,
      heapAfterGcBytes: snap.heapUsedBytes,
      metricsHeapBytes: metrics?.memory?.heapUsed,
      openSessions: metrics?.sessions?.open,
    };
  };

  const one = async (): Promise<void> => {
    for (let attempt = 0; attempt < 5; attempt++) {
      const created = await fetch(`${base}/api/sessions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      }).catch((e: unknown) => e as Error);
      if (created instanceof Error) {
        failed++;
        if (errors.length < 5) errors.push(`create: ${created.message}`);
        return;
      }
      if (created.status === 429) {
        rateLimited++;
        await created.text();
        await sleep(1000);
        continue;
      }
      if (created.status !== 201) {
        failed++;
        if (errors.length < 5) errors.push(`create: ${created.status} ${await created.text()}`);
        return;
      }
      const { sessionId, token } = (await created.json()) as { sessionId: string; token: string };
      const deleted = await fetch(`${base}/api/sessions/${sessionId}`, {
        method: 'DELETE',
        headers: { authorization: `Bearer ${token}` },
      }).catch((e: unknown) => e as Error);
      if (deleted instanceof Error || deleted.status !== 204) {
        failed++;
        if (errors.length < 5) {
          errors.push(`delete: ${deleted instanceof Error ? deleted.message : deleted.status}`);
        }
        return;
      }
      completed++;
      return;
    }
    failed++;
  };

  const workers = Array.from({ length: config.concurrency }, async () => {
    while (issued < config.total && Date.now() - started < config.budgetS * 1000) {
      issued++;
      const wait = next - Date.now();
      next = Math.max(next, Date.now()) + intervalMs;
      if (wait > 0) await sleep(wait);
      await one();
      if (completed >= nextSample && !sampling) {
        nextSample += config.sampleEvery;
        sampling = sample().then((s) => {
          samples.push(s);
          log(
            `churn ${s.sessions}: rss ${mib(s.rssBytes)}, heap ${mib(s.heapAfterGcBytes)} after GC (${mib(s.metricsHeapBytes)} in /metrics), open ${s.openSessions}, ${s.elapsedS} s`,
          );
          sampling = null;
        });
        await sampling;
      }
    }
  });
  await Promise.all(workers);
  const elapsedMs = Date.now() - started;
  if (completed < config.total)
    log(`churn: stopped at ${completed} sessions (budget ${config.budgetS} s)`);
  await sleep(2000); // the last closes finish
  const final = await sample();
  log(`churn final: rss ${mib(final.rssBytes)}, heap ${mib(final.heapAfterGcBytes)} after GC`);
  const heaps = [...samples, final].flatMap((s) => (s.heapAfterGcBytes === undefined ? [] : [s]));
  // The retention cap is full once more sessions closed than it keeps: growth after that is a leak.
  const afterCap = heaps.filter((s) => s.sessions >= Math.min(2000, config.total / 2));
  return {
    config,
    completed,
    failed,
    rateLimited,
    firstErrors: errors,
    baseline,
    samples,
    final,
    heapPeakBytes: heaps.length
      ? Math.max(...heaps.map((s) => s.heapAfterGcBytes ?? 0))
      : undefined,
    heapGrowthAfterCapBytes:
      afterCap.length >= 2
        ? (afterCap[afterCap.length - 1].heapAfterGcBytes ?? 0) -
          (afterCap[0].heapAfterGcBytes ?? 0)
        : undefined,
    rssPeakBytes: Math.max(baseline.rssBytes, ...samples.map((s) => s.rssBytes), final.rssBytes),
    sessionsPerSecond: Math.round((completed / (elapsedMs / 1000)) * 10) / 10,
    durationMs: Date.now() - started,
  };
}

export function mib(bytes: number | undefined): string {
  return bytes === undefined ? '?' : `${(bytes / 2 ** 20).toFixed(1)} MiB`;
}
