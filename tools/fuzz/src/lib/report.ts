import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isDefect, type TargetResult } from './findings';
import type { FuzzReport } from './run';

const mib = (bytes?: number) => (bytes === undefined ? '?' : (bytes / 2 ** 20).toFixed(1));

/** Writes `report-<seed>.json` into `outDir`; returns its path. */
export function writeReport(report: FuzzReport, outDir: string): string {
  mkdirSync(outDir, { recursive: true });
  const path = join(outDir, `report-${report.seed}.json`);
  writeFileSync(path, JSON.stringify(report, null, 2));
  return path;
}

/** The run in a few lines: one per target, then every defect with how to replay it. */
export function renderSummary(report: FuzzReport): string {
  const lines: string[] = [];
  lines.push(
    `fuzz seed ${report.seed}: ${report.durationS} s, ${report.serverProcesses} server process(es)`,
  );
  lines.push(
    pad([
      'target',
      'count',
      'time s',
      'crash',
      '5xx',
      'hang',
      'lost',
      'defects',
      'notes',
      'rss MiB',
      'heap MiB',
    ]),
  );
  for (const r of report.targets) {
    const defects = countKinds(r, true);
    const notes = countKinds(r, false);
    lines.push(
      pad([
        r.target,
        `${r.count} ${r.unit}`,
        (r.durationMs / 1000).toFixed(0),
        String(r.crashes),
        String(r.status5xx),
        String(r.hangs),
        String(r.lostEvents),
        String(defects),
        String(notes),
        `${mib(r.memoryBefore?.rssBytes)}->${mib(r.memoryAfter?.rssBytes)}`,
        `${mib(r.memoryBefore?.heapUsedBytes)}->${mib(r.memoryAfter?.heapUsedBytes)}`,
      ]),
    );
  }
  lines.push(
    `server memory over the run: rss ${mib(report.memory.start?.rssBytes)} -> ${mib(report.memory.end?.rssBytes)} MiB, ` +
      `heap ${mib(report.memory.start?.heapUsedBytes)} -> ${mib(report.memory.end?.heapUsedBytes)} MiB (from /metrics, no forced GC)`,
  );
  for (const r of report.targets) {
    const codes = top(r.errorCodes, 8);
    const statuses = top(r.statuses, 8);
    lines.push(`  ${r.target}: statuses ${statuses || '-'}; error codes ${codes || '-'}`);
  }
  if (report.defects.length === 0) {
    lines.push('no defects');
  } else {
    lines.push(`${report.defects.length} defect(s) (replay: ${report.replay}):`);
    for (const d of report.defects.slice(0, 30)) {
      lines.push(
        `  [${d.kind}] ${d.target} case ${d.caseIndex}: ${d.input.slice(0, 160)}\n      -> ${d.detail.slice(0, 400).replace(/\n/g, '\n         ')}`,
      );
    }
  }
  const notes = report.targets.flatMap((r) => r.findings.filter((f) => !isDefect(f.kind)));
  if (notes.length > 0) {
    lines.push(`${notes.length} note(s) (not defects), the first:`);
    for (const n of notes.slice(0, 8))
      lines.push(`  [${n.kind}] ${n.target} case ${n.caseIndex}: ${n.detail.slice(0, 200)}`);
  }
  return lines.join('\n');
}

function countKinds(r: TargetResult, defects: boolean): number {
  return Object.entries(r.stats)
    .filter(([key]) => key.startsWith('finding:'))
    .filter(([key]) => isDefect(key.slice('finding:'.length) as never) === defects)
    .reduce((sum, [, value]) => sum + value, 0);
}

function top(map: Record<string, number>, n: number): string {
  return Object.entries(map)
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([key, value]) => `${key} ${value}`)
    .join(', ');
}

function pad(cells: string[]): string {
  const widths = [7, 24, 7, 6, 5, 5, 5, 8, 6, 14, 12];
  return cells.map((c, i) => c.padEnd(widths[i] ?? 8)).join(' ');
}
