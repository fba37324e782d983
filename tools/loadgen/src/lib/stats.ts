import type { SessionOutcome } from './types';

/** Linear-interpolated percentile (p in 0..100) of the values; undefined when there are none. */
export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) {
    return undefined;
  }
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (Math.min(100, Math.max(0, p)) / 100) * (sorted.length - 1);
  const low = Math.floor(rank);
  const high = Math.ceil(rank);
  return sorted[low] + (sorted[high] - sorted[low]) * (rank - low);
}

export interface Distribution {
  count: number;
  p50?: number;
  p95?: number;
  p99?: number;
  max?: number;
}

export function distribution(values: readonly number[]): Distribution {
  return {
    count: values.length,
    p50: round(percentile(values, 50)),
    p95: round(percentile(values, 95)),
    p99: round(percentile(values, 99)),
    max: round(values.length ? Math.max(...values) : undefined),
  };
}

export function round(value: number | undefined, digits = 1): number | undefined {
  if (value === undefined || !Number.isFinite(value)) {
    return undefined;
  }
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export interface LoadSummary {
  sessions: number;
  created: number;
  connected: number;
  streamed: number;
  endReceived: number;
  failed: number;
  failuresByStage: Record<string, number>;
  packetsSent: number;
  finals: number;
  sseViolations: number;
  createMs: Distribution;
  iceConnectedMs: Distribution;
  connectedMs: Distribution;
  dtlsAfterIceMs: Distribution;
  /** Server-side `latencyMs` of finals. */
  finalLatencyMs: Distribution;
  /** End of speech (audio sent) to `final` at the client. */
  finalClientLagMs: Distribution;
  endAfterByeMs: Distribution;
  clientMaxLateMs: Distribution;
}

const defined = (values: Array<number | undefined>): number[] =>
  values.filter((v): v is number => v !== undefined);

/** Aggregates session outcomes into counts and p50/p95/p99/max distributions. */
export function summarize(outcomes: readonly SessionOutcome[]): LoadSummary {
  const failuresByStage: Record<string, number> = {};
  for (const o of outcomes) {
    if (o.failedStage) {
      failuresByStage[o.failedStage] = (failuresByStage[o.failedStage] ?? 0) + 1;
    }
  }
  return {
    sessions: outcomes.length,
    created: outcomes.filter((o) => o.created).length,
    connected: outcomes.filter((o) => o.connectedMs !== undefined).length,
    streamed: outcomes.filter((o) => o.packetsSent > 0).length,
    endReceived: outcomes.filter((o) => o.endReceived).length,
    failed: outcomes.filter((o) => o.failedStage !== undefined).length,
    failuresByStage,
    packetsSent: outcomes.reduce((sum, o) => sum + o.packetsSent, 0),
    finals: outcomes.reduce((sum, o) => sum + o.finals, 0),
    sseViolations: outcomes.reduce((sum, o) => sum + o.sseViolations, 0),
    createMs: distribution(defined(outcomes.map((o) => o.createMs))),
    iceConnectedMs: distribution(defined(outcomes.map((o) => o.iceConnectedMs))),
    connectedMs: distribution(defined(outcomes.map((o) => o.connectedMs))),
    dtlsAfterIceMs: distribution(defined(outcomes.map((o) => o.dtlsAfterIceMs))),
    finalLatencyMs: distribution(outcomes.flatMap((o) => o.finalLatencyMs)),
    finalClientLagMs: distribution(outcomes.flatMap((o) => o.finalClientLagMs)),
    endAfterByeMs: distribution(defined(outcomes.map((o) => o.endAfterByeMs))),
    clientMaxLateMs: distribution(defined(outcomes.map((o) => o.maxLateMs))),
  };
}
