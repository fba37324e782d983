import { LatencyHistogram, type HistogramSnapshot } from './latency-histogram';

export interface EngineLatencySnapshot {
  /** End of speech to final text ready. */
  finalMs: HistogramSnapshot;
  /** Start of speech to the first partial text published. */
  firstPartialMs: HistogramSnapshot;
  /** Time inside the engine, per call (finals and partials). */
  engineMs: HistogramSnapshot;
}

export interface TranscriptionMetricsSnapshot {
  requests: {
    final: { count: number; audioMs: number };
    /** `dropped`: partial calls whose answer came too late (the final was on its way) or failed. */
    partial: { count: number; audioMs: number; dropped: number };
  };
  guard: {
    /** Segments never sent to the engine: the VAD heard too little speech in them. */
    notSent: number;
    /** Texts (or sentences) dropped as phantom phrases, e.g. "Thanks for watching!". */
    phantom: number;
    /** Engine segments dropped because the engine itself scored them as no speech. */
    noSpeech: number;
  };
  latency: Record<string, EngineLatencySnapshot>;
}

interface EngineLatency {
  finalMs: LatencyHistogram;
  firstPartialMs: LatencyHistogram;
  engineMs: LatencyHistogram;
}

/** Process-wide counters and latency histograms of the transcription path, per engine. */
export class TranscriptionMetrics {
  readonly #final = { count: 0, audioMs: 0 };
  readonly #partial = { count: 0, audioMs: 0, dropped: 0 };
  readonly #guard = { notSent: 0, phantom: 0, noSpeech: 0 };
  readonly #latency = new Map<string, EngineLatency>();

  request(kind: 'final' | 'partial', audioMs: number): void {
    const counter = kind === 'final' ? this.#final : this.#partial;
    counter.count++;
    counter.audioMs += Math.round(audioMs);
  }

  partialDropped(): void {
    this.#partial.dropped++;
  }

  guarded(kind: keyof TranscriptionMetricsSnapshot['guard'], count = 1): void {
    this.#guard[kind] += count;
  }

  finalLatency(engine: string, ms: number): void {
    this.#for(engine).finalMs.record(ms);
  }

  firstPartial(engine: string, ms: number): void {
    this.#for(engine).firstPartialMs.record(ms);
  }

  engineTime(engine: string, ms: number): void {
    this.#for(engine).engineMs.record(ms);
  }

  snapshot(): TranscriptionMetricsSnapshot {
    const latency: Record<string, EngineLatencySnapshot> = {};
    for (const [engine, h] of this.#latency) {
      latency[engine] = {
        finalMs: h.finalMs.snapshot(),
        firstPartialMs: h.firstPartialMs.snapshot(),
        engineMs: h.engineMs.snapshot(),
      };
    }
    return {
      requests: { final: { ...this.#final }, partial: { ...this.#partial } },
      guard: { ...this.#guard },
      latency,
    };
  }

  #for(engine: string): EngineLatency {
    let h = this.#latency.get(engine);
    if (!h) {
      h = {
        finalMs: new LatencyHistogram(),
        firstPartialMs: new LatencyHistogram(),
        engineMs: new LatencyHistogram(),
      };
      this.#latency.set(engine, h);
    }
    return h;
  }
}
