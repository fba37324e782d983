import type { LatencyHistogramSnapshot } from '@whisperstream/shared-types';

/** Upper bounds of the histogram's buckets, in ms (a last, open bucket catches the rest). */
export const LATENCY_BUCKETS_MS = [
  50, 100, 200, 300, 500, 750, 1000, 1500, 2000, 3000, 5000, 10_000, 30_000,
] as const;

/** How many recent values the percentiles are computed from. */
const RECENT = 2048;

/**
 * A latency histogram: cumulative bucket counts over the process's life plus percentiles over a
 * bounded window of recent values. Memory stays fixed however long the server runs.
 */
export class LatencyHistogram {
  readonly #counts = new Array<number>(LATENCY_BUCKETS_MS.length + 1).fill(0);
  readonly #recent = new Float64Array(RECENT);
  #next = 0;
  #count = 0;
  #sum = 0;
  #min = Infinity;
  #max = -Infinity;

  record(valueMs: number): void {
    if (!Number.isFinite(valueMs)) return;
    const value = Math.max(0, valueMs);
    let bucket = LATENCY_BUCKETS_MS.findIndex((le) => value <= le);
    if (bucket < 0) bucket = LATENCY_BUCKETS_MS.length;
    this.#counts[bucket]++;
    this.#recent[this.#next] = value;
    this.#next = (this.#next + 1) % RECENT;
    this.#count++;
    this.#sum += value;
    this.#min = Math.min(this.#min, value);
    this.#max = Math.max(this.#max, value);
  }

  get count(): number {
    return this.#count;
  }

  snapshot(): LatencyHistogramSnapshot {
    const held = Math.min(this.#count, RECENT);
    const sorted = Array.from(this.#recent.subarray(0, held)).sort((a, b) => a - b);
    const at = (q: number) => (held === 0 ? 0 : round(sorted[Math.ceil(q * held) - 1]));
    let cumulative = 0;
    const buckets: LatencyHistogramSnapshot['buckets'] = this.#counts.map((count, i) => {
      cumulative += count;
      return {
        leMs: i < LATENCY_BUCKETS_MS.length ? LATENCY_BUCKETS_MS[i] : 'Infinity',
        count: cumulative,
      };
    });
    return {
      count: this.#count,
      sum: round(this.#sum),
      min: this.#count === 0 ? 0 : round(this.#min),
      max: this.#count === 0 ? 0 : round(this.#max),
      p50: at(0.5),
      p95: at(0.95),
      p99: at(0.99),
      buckets,
    };
  }
}

function round(value: number): number {
  return Math.round(value * 10) / 10;
}
