import type { ClusterMetricsJson } from '@whisperstream/shared-types';
import { PipelineTotals } from '../audio-pipeline/pipeline-totals.service';
import type { EngineQueueMetrics } from '../cluster/engine-queue/engine-queue-metrics';
import type { CloseReason } from '../sessions/session';
import type { SessionService } from '../sessions/sessions.service';
import { TranscriptionMetrics } from '../transcription/transcription-metrics';
import type { TranscriptionService } from '../transcription/transcription.service';
import { PrometheusService } from './prometheus.service';

interface Family {
  name: string;
  type: string;
  metrics: { value?: string; labels?: Record<string, string> }[];
}
// parse-prometheus-text-format ships no types; it reads counters and gauges with their labels.
const parse = require('parse-prometheus-text-format') as (text: string) => Family[];

function fakeSessions(ended: [CloseReason, number][]): SessionService {
  return {
    openCount: 4,
    retainedCount: 2,
    createdTotal: 9,
    endedTotals: () => new Map(ended),
  } as unknown as SessionService;
}

function fakeTranscription(metrics: TranscriptionMetrics): TranscriptionService {
  return {
    metrics,
    metricsSnapshot: () => ({ engine: 'sphinx', partials: true, ...metrics.snapshot() }),
  } as unknown as TranscriptionService;
}

const cluster: ClusterMetricsJson = {
  role: 'all',
  node: 'n1',
  workersAlive: 2,
  queues: { final: { waiting: 3, active: 1 }, partial: { waiting: 0, active: 2 } },
  jobs: {
    submitted: {
      final: { added: 5, completed: 4, failed: 0, aborted: 0, stalled: 1, lost: 0, stale: 0 },
      partial: { added: 2, completed: 2, failed: 0, aborted: 0, stalled: 0, lost: 0, stale: 0 },
    },
    worked: {
      final: { completed: 4, failed: 1, retried: 3, stalled: 0, staleDropped: 0 },
      partial: { completed: 2, failed: 0, retried: 0, stalled: 0, staleDropped: 6 },
    },
  },
};

const value = (families: Family[], name: string, labels: Record<string, string> = {}) => {
  const family = families.find((f) => f.name === name);
  const sample = family?.metrics.find((m) =>
    Object.entries(labels).every(([k, v]) => m.labels?.[k] === v),
  );
  return sample?.value === undefined ? undefined : Number(sample.value);
};

describe(PrometheusService.name, () => {
  let totals: PipelineTotals;
  let transcription: TranscriptionMetrics;
  let sut: PrometheusService;

  beforeEach(() => {
    totals = new PipelineTotals();
    transcription = new TranscriptionMetrics();
    sut = new PrometheusService(
      fakeSessions([
        ['deleted', 5],
        ['media_timeout', 1],
      ]),
      totals,
      fakeTranscription(transcription),
      { snapshot: () => Promise.resolve(cluster) } as unknown as EngineQueueMetrics,
    );
  });

  it('serves the counts of sessions, RTP and engine calls as they are when scraped', async () => {
    totals.record({
      received: 100,
      ignored: 0,
      lost: 2,
      late: 1,
      duplicates: 0,
      reordered: 0,
      resyncs: 1,
      decoded: 97,
      decodeErrors: 4,
      concealedMs: 0,
      timestampJumps: 0,
      rateLimited: 7,
      audioMs: 2000,
    });
    transcription.outcome('sphinx', 'final', 'ok');
    transcription.outcome('sphinx', 'final', 'ok');
    transcription.outcome('sphinx', 'partial', 'aborted');
    transcription.request('final', 2500);
    const families = parse(await sut.render());
    expect(value(families, 'whisperstream_sessions_open')).toBe(4);
    expect(value(families, 'whisperstream_sessions_created_total')).toBe(9);
    expect(value(families, 'whisperstream_sessions_ended_total', { reason: 'deleted' })).toBe(5);
    expect(value(families, 'whisperstream_sessions_ended_total', { reason: 'media_timeout' })).toBe(
      1,
    );
    expect(value(families, 'whisperstream_rtp_packets_total')).toBe(100);
    expect(value(families, 'whisperstream_rtp_packets_lost_total')).toBe(2);
    expect(value(families, 'whisperstream_rtp_packets_rate_limited_total')).toBe(7);
    expect(value(families, 'whisperstream_opus_decode_errors_total')).toBe(4);
    expect(
      value(families, 'whisperstream_engine_requests_total', {
        engine: 'sphinx',
        purpose: 'final',
        outcome: 'ok',
      }),
    ).toBe(2);
    expect(value(families, 'whisperstream_engine_requests_total', { outcome: 'aborted' })).toBe(1);
    expect(value(families, 'whisperstream_engine_audio_seconds_total', { purpose: 'final' })).toBe(
      2.5,
    );
    // A later scrape reads the counters again.
    transcription.outcome('sphinx', 'final', 'error');
    const later = parse(await sut.render());
    expect(value(later, 'whisperstream_engine_requests_total', { outcome: 'error' })).toBe(1);
  });

  it('serves latency histograms per engine in seconds, with cumulative buckets', async () => {
    transcription.finalLatency('sphinx', 40);
    transcription.finalLatency('sphinx', 640);
    transcription.finalLatency('openai', 2500);
    const text = await sut.render();
    expect(text).toContain('# TYPE whisperstream_final_latency_seconds histogram');
    expect(text).toContain(
      'whisperstream_final_latency_seconds_bucket{engine="sphinx",le="0.05"} 1',
    );
    expect(text).toContain(
      'whisperstream_final_latency_seconds_bucket{engine="sphinx",le="0.75"} 2',
    );
    expect(text).toContain(
      'whisperstream_final_latency_seconds_bucket{engine="sphinx",le="+Inf"} 2',
    );
    expect(text).toContain('whisperstream_final_latency_seconds_sum{engine="sphinx"} 0.68');
    expect(text).toContain('whisperstream_final_latency_seconds_count{engine="openai"} 1');
    expect(() => parse(text)).not.toThrow();
  });

  it('serves queue depth, live workers and job retries in cluster mode', async () => {
    const families = parse(await sut.render());
    expect(
      value(families, 'whisperstream_engine_queue_jobs', { queue: 'final', state: 'waiting' }),
    ).toBe(3);
    expect(
      value(families, 'whisperstream_engine_queue_jobs', { queue: 'partial', state: 'active' }),
    ).toBe(2);
    expect(value(families, 'whisperstream_engine_queue_up')).toBe(1);
    expect(value(families, 'whisperstream_engine_workers_alive')).toBe(2);
    expect(value(families, 'whisperstream_engine_job_retries_total', { purpose: 'final' })).toBe(3);
    expect(
      value(families, 'whisperstream_engine_jobs_worked_total', {
        purpose: 'partial',
        outcome: 'stale_dropped',
      }),
    ).toBe(6);
  });

  it("includes prom-client's default process metrics, the event-loop lag among them", async () => {
    const names = parse(await sut.render()).map((f) => f.name);
    expect(names).toEqual(
      expect.arrayContaining([
        'process_cpu_seconds_total',
        'process_resident_memory_bytes',
        'nodejs_eventloop_lag_seconds',
        'nodejs_eventloop_lag_p99_seconds',
        'nodejs_heap_size_used_bytes',
      ]),
    );
  });

  it('an engine worker process (no sessions) serves its process metrics and queues only', async () => {
    const worker = new PrometheusService(undefined, undefined, undefined, {
      snapshot: () => Promise.resolve({ ...cluster, role: 'worker', queues: null }),
    } as unknown as EngineQueueMetrics);
    const families = parse(await worker.render());
    const names = families.map((f) => f.name);
    expect(names).not.toContain('whisperstream_sessions_open');
    expect(names).toContain('process_cpu_seconds_total');
    expect(value(families, 'whisperstream_engine_queue_up')).toBe(0);
    expect(value(families, 'whisperstream_engine_queue_jobs')).toBeUndefined();
  });
});
