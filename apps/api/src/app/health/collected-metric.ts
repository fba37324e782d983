import type { LatencyHistogramSnapshot } from '@whisperstream/shared-types';
import type { Metric } from 'prom-client';

export type Labels = Record<string, string>;

/** One line of a metric family: its value, its labels and, for histograms, its series name. */
export interface Sample {
  value: number;
  labels?: Labels;
  metricName?: string;
}

/**
 * A metric family read from the server's own counters when Prometheus scrapes, instead of a
 * second count kept beside them: prom-client's Registry serialises whatever `get()` returns
 * (the shape of its own metrics' `get()`), with its escaping, default labels and content type.
 */
export class CollectedMetric {
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge' | 'histogram',
    private readonly read: () => Sample[],
  ) {}

  get() {
    return Promise.resolve({
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: 'sum' as const,
      values: this.read(),
    });
  }

  /** The Registry only reads `name` and `get()` of what it is given. */
  asMetric(): Metric {
    return this as unknown as Metric;
  }
}

/**
 * A latency histogram kept in milliseconds (cumulative buckets) as a Prometheus histogram in
 * seconds: `<name>_bucket{le}`, `<name>_sum`, `<name>_count`.
 */
export function histogramSamples(
  name: string,
  histogram: LatencyHistogramSnapshot,
  labels: Labels,
): Sample[] {
  const samples: Sample[] = histogram.buckets.map((bucket) => ({
    metricName: `${name}_bucket`,
    labels: { ...labels, le: bucket.leMs === 'Infinity' ? '+Inf' : String(bucket.leMs / 1000) },
    value: bucket.count,
  }));
  samples.push({ metricName: `${name}_sum`, labels, value: histogram.sum / 1000 });
  samples.push({ metricName: `${name}_count`, labels, value: histogram.count });
  return samples;
}
