/** What a finding is. The first group are defects: any of them fails the run. */
export type FindingKind =
  /** The server process exited. */
  | 'crash'
  /** An HTTP answer of 500 or more. */
  | '5xx'
  /** No answer in time: a request, a WebSocket message, a session's `end`. */
  | 'hang'
  /** An SSE event missing or duplicated (ids not contiguous), or a session that lost its events. */
  | 'lost_event'
  /** Valid audio after hostile input was not transcribed (the session went deaf). */
  | 'deaf'
  /** The live session ended (an error event, a closed socket) because of what the fuzzer sent. */
  | 'session_lost'
  /** A message the contract says must be answered (or refused, or accepted) was not. */
  | 'contract'
  // Notes: reported, not failing the run.
  /** An offer answered 200 that could then not connect. */
  | 'accepted_unusable'
  /** A 4xx whose body is not the contract's `{"error":{code,message}}`. */
  | 'error_shape'
  /** The server logged an error or a warning on stderr (e.g. MaxListenersExceededWarning). */
  | 'server_log'
  /** Something worth a look that is not a defect (e.g. transcript text differs after a flood). */
  | 'note';

export const DEFECT_KINDS: readonly FindingKind[] = [
  'crash',
  '5xx',
  'hang',
  'lost_event',
  'deaf',
  'session_lost',
  'contract',
];

export function isDefect(kind: FindingKind): boolean {
  return DEFECT_KINDS.includes(kind);
}

export interface Finding {
  kind: FindingKind;
  target: string;
  /** The case index (replay with the same seed and target). */
  caseIndex: number;
  /** What was sent, in words (mutations, message kind). */
  input: string;
  /** What happened. */
  detail: string;
  /** The whole input when it is short enough to keep (for a replay by hand). */
  raw?: string;
}

/** Server memory at one moment: RSS from /proc, heap from GET /metrics (no forced GC). */
export interface MemorySample {
  at: string;
  rssBytes?: number;
  heapUsedBytes?: number;
}

export interface TargetResult {
  target: string;
  /** Cases run (offers, messages, requests, datagrams, hostile packets). */
  count: number;
  /** What a case is for this target. */
  unit: string;
  durationMs: number;
  /** Why it stopped: the count was reached, or the time. */
  stoppedBy: 'count' | 'time' | 'error';
  crashes: number;
  status5xx: number;
  hangs: number;
  lostEvents: number;
  /** HTTP statuses and WebSocket error codes seen, with how many. */
  statuses: Record<string, number>;
  errorCodes: Record<string, number>;
  /** Target-specific counts (accepted offers, sessions, decode errors, ...). */
  stats: Record<string, number>;
  findings: Finding[];
  memoryBefore?: MemorySample;
  memoryAfter?: MemorySample;
}

/** Collects one target's counts and findings as it runs. */
export class TargetTally {
  readonly result: TargetResult;
  readonly #started = Date.now();
  /** Findings of one kind and input kind are kept up to this many (the counts stay exact). */
  static readonly MAX_FINDINGS_PER_KIND = 20;
  readonly #kept = new Map<string, number>();

  constructor(target: string, unit: string) {
    this.result = {
      target,
      count: 0,
      unit,
      durationMs: 0,
      stoppedBy: 'count',
      crashes: 0,
      status5xx: 0,
      hangs: 0,
      lostEvents: 0,
      statuses: {},
      errorCodes: {},
      stats: {},
      findings: [],
    };
  }

  status(status: number | string): void {
    bump(this.result.statuses, String(status));
  }

  errorCode(code: string): void {
    bump(this.result.errorCodes, code);
  }

  stat(name: string, by = 1): void {
    bump(this.result.stats, name, by);
  }

  find(finding: Omit<Finding, 'target'>): void {
    const r = this.result;
    if (finding.kind === 'crash') r.crashes++;
    if (finding.kind === '5xx') r.status5xx++;
    if (finding.kind === 'hang') r.hangs++;
    if (finding.kind === 'lost_event') r.lostEvents++;
    bump(r.stats, `finding:${finding.kind}`);
    const key = `${finding.kind}|${finding.input.slice(0, 40)}`;
    const kept = this.#kept.get(key) ?? 0;
    if (kept >= TargetTally.MAX_FINDINGS_PER_KIND) return;
    this.#kept.set(key, kept + 1);
    r.findings.push({
      ...finding,
      target: r.target,
      raw: finding.raw !== undefined && finding.raw.length <= 40_000 ? finding.raw : undefined,
    });
  }

  finish(stoppedBy: TargetResult['stoppedBy']): TargetResult {
    this.result.durationMs = Date.now() - this.#started;
    this.result.stoppedBy = stoppedBy;
    return this.result;
  }
}

function bump(map: Record<string, number>, key: string, by = 1): void {
  map[key] = (map[key] ?? 0) + by;
}

/** Count and time bounds of one target: it stops at whichever comes first. */
export interface Budget {
  count: number;
  seconds: number;
}

export class Deadline {
  readonly #end: number;
  constructor(seconds: number) {
    this.#end = Date.now() + seconds * 1000;
  }
  get passed(): boolean {
    return Date.now() >= this.#end;
  }
  get remainingMs(): number {
    return Math.max(0, this.#end - Date.now());
  }
}
