import type { ClipResult, Percentiles, SegmentationSummary } from './analysis';
import type { EngineCounters, TranscriptionMetrics } from './metrics';
import { totalEdits, type WordEdits } from './words';

export interface SegmentationRun {
  /** `fixed` or `vad`. */
  name: string;
  /** The server's environment that matters (engine, segmentation, partials). */
  env: Record<string, string>;
  clips: ClipResult[];
  summary: SegmentationSummary;
  /** The engine counters summed over the clips (null: the server has no such metrics). */
  engine: EngineCounters | null;
  /** The server's own `transcription` metrics after the last clip. */
  serverMetrics: TranscriptionMetrics | null;
  /** Warnings and errors the server logged during the run. */
  serverWarnings: string[];
}

export interface BaselineUtterance {
  file: string;
  index: number;
  startMs: number;
  endMs: number;
  reference: string;
  hypothesis: string;
  failure?: string;
}

export interface BenchReport {
  startedAt: string;
  durationS: number;
  machine: { cpus: number; model: string; node: string };
  quick: boolean;
  padAfterMs: number;
  baseline: {
    env: Record<string, string>;
    utterances: BaselineUtterance[];
    serverWarnings: string[];
  };
  runs: SegmentationRun[];
}

const NA = 'n/a';

export function fmtRate(value: number | null | undefined): string {
  return value === null || value === undefined ? NA : value.toFixed(3);
}

export function fmtSigned(value: number | null | undefined): string {
  if (value === null || value === undefined) {
    return NA;
  }
  const text = value.toFixed(3);
  return value > 0 ? `+${text}` : value === 0 ? '±0.000' : text;
}

export function fmtSeconds(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? NA : `${(ms / 1000).toFixed(1)} s`;
}

export function fmtMs(ms: number | null | undefined): string {
  return ms === null || ms === undefined ? NA : `${Math.round(ms)} ms`;
}

/** `p50 / p95 (n)`, or `none` when there were no values. */
export function fmtPercentiles(p: Percentiles): string {
  if (p.count === 0 || p.p50 === undefined) {
    return 'none';
  }
  return `${fmtMs(p.p50)} / ${fmtMs(p.p95)} (n=${p.count})`;
}

function fmtEdits(e: WordEdits | null): string {
  if (!e) {
    return NA;
  }
  return `${e.substitutions} / ${e.deletions} / ${e.insertions} (${totalEdits(e)} of ${e.referenceWords} words)`;
}

function fmtRequests(c: { count: number; audioMs: number } | undefined): string {
  return c ? `${c.count} (${fmtSeconds(c.audioMs)})` : NA;
}

function fmtPartialRequests(engine: EngineCounters | null): string {
  const p = engine?.partial;
  if (!p) {
    return NA;
  }
  return `${p.count} (${fmtSeconds(p.audioMs)}), dropped ${p.dropped ?? NA}`;
}

function fmtGuard(engine: EngineCounters | null): string {
  const g = engine?.guard;
  if (!g) {
    return NA;
  }
  return `${g.notSent ?? NA} / ${g.phantom ?? NA}`;
}

function pct(part: number, whole: number): string {
  return whole > 0 ? ` (${Math.round((part / whole) * 100)} %)` : '';
}

function table(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

/** The side-by-side summary rows: one per measure, one column per segmentation. */
export function summaryRows(runs: readonly SegmentationRun[]): string[][] {
  const row = (label: string, cell: (run: SegmentationRun) => string): string[] => [
    label,
    ...runs.map(cell),
  ];
  const s = (run: SegmentationRun) => run.summary;
  return [
    row('word error rate, live (pooled over speech clips)', (r) => fmtRate(s(r).wer)),
    row('word error rate, whole utterances (baseline)', (r) => fmtRate(s(r).baselineWer)),
    row('cutting adds (live − baseline)', (r) => fmtSigned(s(r).addedWer)),
    row('live: substitutions / deletions / insertions', (r) => fmtEdits(s(r).edits)),
    row('baseline: substitutions / deletions / insertions', (r) => fmtEdits(s(r).baselineEdits)),
    row('segments sent (finals)', (r) => String(s(r).segments)),
    row('`error` events', (r) => String(s(r).errors)),
    row(
      'audio in segments / speech',
      (r) =>
        `${fmtSeconds(s(r).segmentMs)} / ${fmtSeconds(s(r).speechMs)}${pct(s(r).segmentMs, s(r).speechMs)}`,
    ),
    row('audio in segments outside speech', (r) => fmtSeconds(s(r).segmentOutsideSpeechMs)),
    row('words transcribed from noise.wav', (r) =>
      r.clips.some((c) => c.reference === '') ? String(s(r).wordsFromNoise) : NA,
    ),
    row('engine requests: final (audio)', (r) => fmtRequests(r.engine?.final)),
    row('engine requests: partial (audio), dropped', (r) => fmtPartialRequests(r.engine)),
    row('guard: not sent / phantom', (r) => fmtGuard(r.engine)),
    row('end of speech → `final` at the client, p50 / p95', (r) =>
      fmtPercentiles(s(r).finalLatencyMs),
    ),
    row('last voiced frame → `final` at the client, p50 / p95', (r) =>
      fmtPercentiles(s(r).finalAfterVoicedEndMs),
    ),
    row('server `latencyMs` of finals, p50 / p95', (r) => fmtPercentiles(s(r).serverLatencyMs)),
    row('speech start → first `partial`, p50 / p95', (r) => fmtPercentiles(s(r).firstPartialMs)),
    row(
      'utterances without a final / without a partial',
      (r) => `${s(r).utterancesMissed} / ${s(r).utterancesWithoutPartial} of ${s(r).utterances}`,
    ),
  ];
}

/** One row per clip, the segmentations side by side in each cell (`fixed · vad`). */
export function clipRows(runs: readonly SegmentationRun[]): string[][] {
  const files = runs[0]?.clips.map((c) => c.file) ?? [];
  return files.map((file) => {
    const per = runs.map((r) => r.clips.find((c) => c.file === file));
    const first = per.find((c) => c !== undefined);
    const each = (cell: (c: ClipResult) => string): string =>
      per.map((c) => (c ? cell(c) : NA)).join(' · ');
    const isNoise = first?.reference === '';
    return [
      file,
      fmtSeconds(first?.speechMs),
      isNoise ? '–' : fmtRate(first?.baselineWer),
      isNoise
        ? each((c) => `${c.edits.insertions} words`)
        : each((c) => `${fmtRate(c.wer)} (${fmtSigned(c.addedWer)})`),
      each((c) => String(c.segments.length)),
      each((c) => fmtSeconds(c.segmentMs)),
      each((c) => fmtRequests(c.engine?.final)),
      each((c) => fmtPartialRequests(c.engine)),
      each((c) =>
        fmtList(
          c.utterances.map((u) => u.finalLatencyMs),
          'missed',
        ),
      ),
      each((c) =>
        fmtList(
          c.utterances.map((u) => u.firstPartialMs),
          'none',
        ),
      ),
    ];
  });
}

function fmtList(values: Array<number | null>, empty: string): string {
  if (values.length === 0) {
    return '–';
  }
  return values.map((v) => (v === null ? empty : String(Math.round(v)))).join(', ');
}

/** Where each segmentation cut, and what came back. */
export function cutLines(run: SegmentationRun): string[] {
  const lines: string[] = [];
  for (const clip of run.clips) {
    const speech = clip.utterances
      .map((u) => `${(u.startMs / 1000).toFixed(2)}–${(u.endMs / 1000).toFixed(2)}`)
      .join(', ');
    lines.push(`- **${clip.file}** (speech ${speech || 'none'}):`);
    for (const s of clip.segments) {
      lines.push(
        `  - ${(s.startMs / 1000).toFixed(2)}–${(s.endMs / 1000).toFixed(2)} s, latencyMs ${Math.round(s.latencyMs)}: "${s.text}"`,
      );
    }
    if (clip.segments.length === 0) {
      lines.push('  - (no final)');
    }
    for (const e of clip.errors) {
      lines.push(
        `  - error ${e.code}${e.segmentId !== undefined ? ` (segment ${e.segmentId})` : ''}: ${e.message}`,
      );
    }
    if (clip.failure) {
      lines.push(`  - FAILED: ${clip.failure}`);
    }
  }
  return lines;
}

function histogramLines(run: SegmentationRun): string[] {
  const latency = run.serverMetrics?.latency ?? {};
  const lines: string[] = [];
  for (const [engine, histograms] of Object.entries(latency)) {
    for (const [name, h] of Object.entries(histograms)) {
      lines.push(
        `- ${run.name}: ${engine}.${name}: count ${h.count}, p50 ${fmtMs(h.p50)}, p95 ${fmtMs(h.p95)}, max ${fmtMs(h.max)}`,
      );
    }
  }
  return lines.length > 0 ? lines : [`- ${run.name}: n/a (no latency section in GET /metrics)`];
}

/** The readable summary (Markdown). */
export function renderMarkdown(report: BenchReport): string {
  const names = report.runs.map((r) => r.name);
  const envLine = (env: Record<string, string>) =>
    Object.entries(env)
      .map(([k, v]) => `${k}=${v}`)
      .join(' ');
  const out: string[] = [
    '# Segmentation benchmark',
    '',
    `${report.startedAt}, ${report.durationS} s; ${report.machine.cpus} × ${report.machine.model}, Node ${report.machine.node}.` +
      `${report.quick ? ' Quick run (fewer clips).' : ''}`,
    '',
    'Each fixture is played in real time through the live path (Opus over WebRTC in, SSE out), one ' +
      `session per clip; single clips get ${report.padAfterMs} ms of silence after them, then DELETE ` +
      'and the wait for `end`. Baseline: the same engine on each whole reference utterance (one ' +
      'session each, cut from conversation.wav at the manifest times; one segment, transcribed at close).',
    '',
    ...report.runs.map((r) => `- **${r.name}**: ${envLine(r.env)}`),
    `- **baseline**: ${envLine(report.baseline.env)}`,
    '',
    '## Summary',
    '',
    table(['', ...names], summaryRows(report.runs)),
    '',
    '## Per clip',
    '',
    `Cells read \`${names.join(' · ')}\`. WER in brackets: what cutting added over the baseline. ` +
      'Latencies in ms per utterance: end of speech (manifest) to the last `final` holding part of ' +
      'it (the clips keep some of their own silence, so the manifest end can lie a few hundred ms ' +
      'after the last voiced frame: the summary shows both); first partial: speech start to the ' +
      'first `partial` overlapping it.',
    '',
    table(
      [
        'clip',
        'speech',
        'baseline WER',
        'WER (added)',
        'segments',
        'audio in segments',
        'engine finals (audio)',
        'engine partials (audio), dropped',
        'end of speech → final (ms)',
        'start → first partial (ms)',
      ],
      clipRows(report.runs),
    ),
    '',
    '## Server histograms (GET /metrics, over the whole run)',
    '',
    ...report.runs.flatMap(histogramLines),
    '',
    '## Cuts',
    '',
  ];
  for (const run of report.runs) {
    out.push(`### ${run.name}`, '', ...cutLines(run), '');
  }
  const warnings = [
    ...report.baseline.serverWarnings.map((w) => `baseline: ${w}`),
    ...report.runs.flatMap((r) => r.serverWarnings.map((w) => `${r.name}: ${w}`)),
  ];
  if (warnings.length > 0) {
    out.push('## Server warnings', '', ...warnings.map((w) => `- ${w}`), '');
  }
  const failed = report.baseline.utterances.filter((u) => u.failure);
  if (failed.length > 0) {
    out.push(
      '## Baseline failures',
      '',
      ...failed.map((u) => `- ${u.file} #${u.index}: ${u.failure ?? ''}`),
      '',
    );
  }
  return out.join('\n');
}
