import type { EngineLatencySnapshot, TranscriptionMetricsJson } from '@whisperstream/shared-types';
import { LatencyHistogram } from './latency-histogram';

/** The counters and histograms; the service adds the engine in use and whether partials are on. */
export type TranscriptionMetricsSnapshot = Omit<TranscriptionMetricsJson, 'engine' | 'partials'>;

interface EngineLatency {
  finalMs: LatencyHistogram;
  firstPartialMs: LatencyHistogram;
  engineMs: LatencyHistogram;
}

/** How an engine call ended: text came back, the engine failed, or the session gave it up. */
export type EngineOutcome = 'ok' | 'error' | 'aborted';

/** Engine calls by engine, purpose and outcome (`GET /metrics`' `whisperstream_engine_requests_total`). */
export interface EngineRequestCount {
  engine: string;
  purpose: 'final' | 'partial';
  outcome: EngineOutcome;
  count: number;
}

/** Process-wide counters and latency histograms of the transcription path, per engine. */
export class TranscriptionMetrics {
  readonly #outcomes = new Map<string, EngineRequestCount>();
  readonly #final = { count: 0, audioMs: 0 };
  readonly #partial = { count: 0, audioMs: 0, dropped: 0 };
  readonly #guard = { notSent: 0, phantom: 0, noSpeech: 0 };
  readonly #latency = new Map<string, EngineLatency>();

  request(kind: 'final' | 'partial', audioMs: number): void {
    const counter = kind === 'final' ? this.#final : this.#partial;
    counter.count++;
    counter.audioMs += Math.round(audioMs);
  }

  outcome(engine: string, purpose: 'final' | 'partial', outcome: EngineOutcome): void {
    const key = `${engine}\0${purpose}\0${outcome}`;
    const entry = this.#outcomes.get(key);
    if (entry) entry.count++;
    else this.#outcomes.set(key, { engine, purpose, outcome, count: 1 });
  }

  /** Every (engine, purpose, outcome) seen so far with its count. */
  outcomes(): EngineRequestCount[] {
    return [...this.#outcomes.values()].map((entry) => ({ ...entry }));
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
