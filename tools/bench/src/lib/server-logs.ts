import type { LogLine } from '@whisperstream/server-harness';

/** The per-session stats the server logs as `audio pipeline ended` when a session closes. */
export interface PipelineStats {
  received: number;
  lost: number;
  late: number;
  duplicates: number;
  reordered: number;
  ignored: number;
  decoded: number;
  decodeErrors: number;
  concealedMs: number;
  audioMs: number;
}

export interface PipelineTotals extends PipelineStats {
  /** Sessions whose `audio pipeline ended` line was found. */
  sessions: number;
  /** Sessions asked about with no such line (never got media, or the line is filtered out). */
  missing: number;
}

const ZERO: PipelineStats = {
  received: 0,
  lost: 0,
  late: 0,
  duplicates: 0,
  reordered: 0,
  ignored: 0,
  decoded: 0,
  decodeErrors: 0,
  concealedMs: 0,
  audioMs: 0,
};

/** Pipeline stats by session id, from the server's JSON log lines. */
export function pipelineStatsBySession(logs: readonly LogLine[]): Map<string, PipelineStats> {
  const out = new Map<string, PipelineStats>();
  for (const line of logs) {
    if (line.msg !== 'audio pipeline ended' || typeof line['sessionId'] !== 'string') continue;
    const stats = { ...ZERO };
    for (const key of Object.keys(ZERO) as Array<keyof PipelineStats>) {
      const value = line[key];
      stats[key] = typeof value === 'number' ? value : 0;
    }
    out.set(line['sessionId'], stats);
  }
  return out;
}

/** Sums the stats of the given sessions. */
export function totalPipelineStats(
  bySession: Map<string, PipelineStats>,
  sessionIds: readonly string[],
): PipelineTotals {
  const total: PipelineTotals = { ...ZERO, sessions: 0, missing: 0 };
  for (const id of sessionIds) {
    const stats = bySession.get(id);
    if (!stats) {
      total.missing++;
      continue;
    }
    total.sessions++;
    for (const key of Object.keys(ZERO) as Array<keyof PipelineStats>) total[key] += stats[key];
  }
  return total;
}
