import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { WORKSPACE } from '@whisperstream/server-harness';

/** Screenshots and measurements of a run (dist/ is git-ignored). */
export const ARTIFACTS = resolve(WORKSPACE, 'dist/web-e2e');
export const SCREENSHOTS = resolve(ARTIFACTS, 'screenshots');
export const METRICS_FILE = resolve(ARTIFACTS, 'metrics.json');

export function screenshotPath(name: string): string {
  mkdirSync(SCREENSHOTS, { recursive: true });
  return resolve(SCREENSHOTS, `${name}.png`);
}

/**
 * Prints a measurement as one JSON line and merges it into dist/web-e2e/metrics.json under
 * `name` (so several tests of one run can each add theirs).
 */
export function recordMetric(name: string, values: Record<string, unknown>): void {
  const entry = { metric: name, ...values, at: new Date().toISOString() };
  process.stdout.write(`${JSON.stringify(entry)}\n`);
  mkdirSync(ARTIFACTS, { recursive: true });
  let all: Record<string, unknown> = {};
  if (existsSync(METRICS_FILE)) {
    try {
      all = JSON.parse(readFileSync(METRICS_FILE, 'utf8')) as Record<string, unknown>;
    } catch {
      all = {}; // a broken file from an interrupted run: start over
    }
  }
  all[name] = entry;
  writeFileSync(METRICS_FILE, `${JSON.stringify(all, null, 2)}\n`);
}
