import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** One sample line: its series name (`x_bucket`, `x_sum`, ...), labels and value. */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A metric family as a text-format parser read it. */
export interface PromFamily {
  name: string;
  type: string;
  help: string;
  samples: PromSample[];
}

interface NpmFamily {
  name: string;
  help: string;
  type: string;
  metrics: { value?: string; labels?: Record<string, string> }[];
}

// parse-prometheus-text-format ships no types.
const parseText = require('parse-prometheus-text-format') as (text: string) => NpmFamily[];

/**
 * The body parsed by `parse-prometheus-text-format` (npm). It throws on malformed lines and
 * reads counters and gauges with their labels; its histograms lose their labels (it merges them
 * into one), so histograms are checked with {@link parseWithOfficialParser}.
 */
export function parsePrometheusText(text: string): Map<string, PromFamily> {
  const families = new Map<string, PromFamily>();
  for (const family of parseText(text)) {
    families.set(family.name, {
      name: family.name,
      type: family.type.toLowerCase(),
      help: family.help,
      samples:
        family.type === 'HISTOGRAM' || family.type === 'SUMMARY'
          ? []
          : family.metrics.map((m) => ({
              name: family.name,
              labels: m.labels ?? {},
              value: Number(m.value),
            })),
    });
  }
  return families;
}

const PYTHON = '/usr/bin/python3';
const OFFICIAL_PARSER = `
import json, sys
from prometheus_client.parser import text_string_to_metric_families
out = []
for f in text_string_to_metric_families(sys.stdin.read()):
    out.append({"name": f.name, "type": f.type, "help": f.documentation,
                "samples": [{"name": s.name, "labels": s.labels, "value": s.value} for s in f.samples]})
print(json.dumps(out))
`;

/** Why the official parser cannot run here, or undefined when it can. */
export function officialParserMissing(): string | undefined {
  const how = 'install it with `apt-get install -y python3-prometheus-client`';
  if (!existsSync(PYTHON)) return `${PYTHON} is missing; ${how}`;
  const probe = spawnSync(PYTHON, ['-c', 'import prometheus_client.parser'], { stdio: 'ignore' });
  return probe.status === 0 ? undefined : `the Python prometheus_client is not installed; ${how}`;
}

/**
 * The body parsed by the Prometheus project's own Python client (`prometheus_client.parser`,
 * Debian's python3-prometheus-client), which reads every family type with its labels. Family
 * names are as that parser gives them (a counter's without `_total`, its samples with it).
 */
export function parseWithOfficialParser(text: string): Map<string, PromFamily> {
  const run = spawnSync(PYTHON, ['-c', OFFICIAL_PARSER], { input: text, encoding: 'utf8' });
  if (run.status !== 0)
    throw new Error(`prometheus_client could not parse the body:\n${run.stderr}`);
  const families = JSON.parse(run.stdout) as PromFamily[];
  return new Map(families.map((family) => [family.name, family]));
}
