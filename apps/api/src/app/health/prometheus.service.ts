import { Injectable, Optional } from '@nestjs/common';
import type { ClusterMetricsJson, TranscriptionMetricsJson } from '@whisperstream/shared-types';
import { collectDefaultMetrics, Registry } from 'prom-client';
import {
  PipelineTotals,
  type PipelineTotalsSnapshot,
} from '../audio-pipeline/pipeline-totals.service';
import { EngineQueueMetrics } from '../cluster/engine-queue/engine-queue-metrics';
import { SessionService } from '../sessions/sessions.service';
import { TranscriptionService } from '../transcription/transcription.service';
import { CollectedMetric, histogramSamples, type Sample } from './collected-metric';

/** What one scrape reads once and every family of that scrape shares. */
interface Scrape {
  rtp?: PipelineTotalsSnapshot;
  transcription?: TranscriptionMetricsJson;
  cluster?: ClusterMetricsJson;
}

const PURPOSES = ['final', 'partial'] as const;

/** `staleDropped` → `stale_dropped`: label values in the snake case Prometheus users expect. */
const snake = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/**
 * GET /metrics in the Prometheus text format: prom-client's default process metrics
 * (`process_*`, `nodejs_*`, among them `nodejs_eventloop_lag_seconds` and its percentiles) and
 * the server's own `whisperstream_*` families, read at scrape time from the same counters as
 * the JSON at /metrics.json (sessions, RTP totals, transcription, engine job queues).
 */
@Injectable()
export class PrometheusService {
  readonly registry = new Registry();
  #scrape: Scrape = {};

  constructor(
    @Optional() private readonly sessions?: SessionService,
    @Optional() private readonly totals?: PipelineTotals,
    @Optional() private readonly transcription?: TranscriptionService,
    @Optional() private readonly cluster?: EngineQueueMetrics,
  ) {
    collectDefaultMetrics({ register: this.registry });
    for (const metric of this.#families()) this.registry.registerMetric(metric.asMetric());
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  /** The text body of one scrape. Redis (cluster mode) is read once, within its time bound. */
  async render(): Promise<string> {
    this.#scrape = {
      rtp: this.totals?.snapshot(),
      transcription: this.transcription?.metricsSnapshot(),
      cluster: await this.cluster?.snapshot(),
    };
    try {
      return await this.registry.metrics();
    } finally {
      this.#scrape = {};
    }
  }

  #families(): CollectedMetric[] {
    const families: CollectedMetric[] = [];
    const { sessions, totals, transcription } = this;
    if (sessions) {
      families.push(
        new CollectedMetric('whisperstream_sessions_open', 'Sessions open now.', 'gauge', () => [
          { value: sessions.openCount },
        ]),
        new CollectedMetric(
          'whisperstream_sessions_retained',
          'Ended sessions whose transcript is still kept.',
          'gauge',
          () => [{ value: sessions.retainedCount }],
        ),
        new CollectedMetric(
          'whisperstream_sessions_created_total',
          'Sessions created since the process started.',
          'counter',
          () => [{ value: sessions.createdTotal }],
        ),
        new CollectedMetric(
          'whisperstream_sessions_ended_total',
          'Sessions ended since the process started, by reason (deleted, bye, offer_timeout, connect_timeout, connect_failed, media_timeout, socket_gone, media_failed, shutdown).',
          'counter',
          () =>
            [...sessions.endedTotals()].map(([reason, value]) => ({ labels: { reason }, value })),
        ),
      );
    }
    if (totals) {
      const rtp = (
        name: string,
        help: string,
        field: keyof PipelineTotalsSnapshot,
      ): CollectedMetric =>
        new CollectedMetric(name, help, 'counter', () => [
          { value: this.#scrape.rtp?.[field] ?? 0 },
        ]);
      families.push(
        rtp(
          'whisperstream_sessions_rate_limited_total',
          'Sessions that sent audio faster than real time allows.',
          'sessionsRateLimited',
        ),
        rtp(
          'whisperstream_audio_pipelines_ended_total',
          'Audio pipelines ended (the RTP totals below count ended pipelines).',
          'pipelinesEnded',
        ),
        rtp('whisperstream_rtp_packets_total', 'RTP packets received.', 'rtpReceived'),
        rtp('whisperstream_rtp_packets_lost_total', 'RTP packets never received.', 'rtpLost'),
        rtp(
          'whisperstream_rtp_packets_late_total',
          'RTP packets that came after their place was filled.',
          'rtpLate',
        ),
        rtp(
          'whisperstream_rtp_packets_rate_limited_total',
          'RTP packets dropped for arriving faster than real time allows.',
          'rtpRateLimited',
        ),
        rtp(
          'whisperstream_rtp_resyncs_total',
          'Streams whose sequence numbers jumped (a sender restart) and were followed.',
          'rtpResyncs',
        ),
        rtp(
          'whisperstream_opus_decode_errors_total',
          'Opus payloads that could not be decoded.',
          'decodeErrors',
        ),
      );
    }
    if (transcription) families.push(...this.#transcriptionFamilies(transcription));
    if (this.cluster) families.push(...this.#clusterFamilies());
    return families;
  }

  #transcriptionFamilies(transcription: TranscriptionService): CollectedMetric[] {
    const latency = (name: string, help: string, key: 'finalMs' | 'firstPartialMs' | 'engineMs') =>
      new CollectedMetric(name, help, 'histogram', () =>
        Object.entries(this.#scrape.transcription?.latency ?? {}).flatMap(([engine, h]) =>
          histogramSamples(name, h[key], { engine }),
        ),
      );
    return [
      new CollectedMetric(
        'whisperstream_engine_requests_total',
        'Engine calls by engine, purpose (final, partial) and outcome (ok, error, aborted).',
        'counter',
        () =>
          transcription.metrics.outcomes().map(({ engine, purpose, outcome, count }) => ({
            labels: { engine, purpose, outcome },
            value: count,
          })),
      ),
      new CollectedMetric(
        'whisperstream_engine_audio_seconds_total',
        'Seconds of audio sent to the engine, by purpose.',
        'counter',
        () =>
          PURPOSES.map((purpose) => ({
            labels: { purpose },
            value: (this.#scrape.transcription?.requests[purpose].audioMs ?? 0) / 1000,
          })),
      ),
      new CollectedMetric(
        'whisperstream_partials_dropped_total',
        'Partial texts dropped: late (the final was on its way) or failed.',
        'counter',
        () => [{ value: this.#scrape.transcription?.requests.partial.dropped ?? 0 }],
      ),
      new CollectedMetric(
        'whisperstream_guarded_total',
        'Speech kept from the transcript by the guard, by kind (not_sent, phantom, no_speech).',
        'counter',
        () =>
          Object.entries(this.#scrape.transcription?.guard ?? {}).map(([kind, value]) => ({
            labels: { kind: snake(kind) },
            value,
          })),
      ),
      latency(
        'whisperstream_final_latency_seconds',
        'End of speech to final text ready, per engine.',
        'finalMs',
      ),
      latency(
        'whisperstream_first_partial_latency_seconds',
        'Start of speech to the first partial text published, per engine.',
        'firstPartialMs',
      ),
      latency(
        'whisperstream_engine_duration_seconds',
        'Time inside the engine per call (finals and partials), per engine.',
        'engineMs',
      ),
    ];
  }

  /** Cluster mode only: families without samples when REDIS_URL is not set. */
  #clusterFamilies(): CollectedMetric[] {
    const cluster = () => this.#scrape.cluster;
    return [
      new CollectedMetric(
        'whisperstream_engine_queue_jobs',
        'Engine jobs in the BullMQ queues by queue (final, partial) and state (waiting, active), read from Redis at scrape time.',
        'gauge',
        () => {
          const queues = cluster()?.queues;
          if (!queues) return [];
          return PURPOSES.flatMap((queue) => [
            { labels: { queue, state: 'waiting' }, value: queues[queue].waiting },
            { labels: { queue, state: 'active' }, value: queues[queue].active },
          ]);
        },
      ),
      new CollectedMetric(
        'whisperstream_engine_queue_up',
        'Whether Redis answered the queue-depth read of this scrape in time (1) or not (0).',
        'gauge',
        () => {
          const snapshot = cluster();
          return snapshot ? [{ value: snapshot.queues ? 1 : 0 }] : [];
        },
      ),
      new CollectedMetric(
        'whisperstream_engine_workers_alive',
        'Engine worker processes whose heartbeat is current.',
        'gauge',
        () => {
          const snapshot = cluster();
          return snapshot ? [{ value: snapshot.workersAlive }] : [];
        },
      ),
      new CollectedMetric(
        'whisperstream_engine_jobs_submitted_total',
        'Engine jobs this node put on a queue, by purpose and outcome (added, completed, failed, aborted, stalled, lost, stale).',
        'counter',
        () => jobSamples(cluster()?.jobs.submitted),
      ),
      new CollectedMetric(
        'whisperstream_engine_jobs_worked_total',
        "Engine jobs this process's workers took, by purpose and outcome (completed, failed, retried, stalled, stale_dropped).",
        'counter',
        () => jobSamples(cluster()?.jobs.worked),
      ),
      new CollectedMetric(
        'whisperstream_engine_job_retries_total',
        'Failed engine jobs put back on the queue for one more try (a busy or unavailable engine), by purpose.',
        'counter',
        () => {
          const worked = cluster()?.jobs.worked;
          return worked
            ? PURPOSES.map((purpose) => ({ labels: { purpose }, value: worked[purpose].retried }))
            : [];
        },
      ),
    ];
  }
}

function jobSamples(
  byPurpose: Record<(typeof PURPOSES)[number], Record<string, number>> | undefined,
): Sample[] {
  if (!byPurpose) return [];
  return PURPOSES.flatMap((purpose) =>
    Object.entries(byPurpose[purpose]).map(([outcome, value]) => ({
      labels: { purpose, outcome: snake(outcome) },
      value,
    })),
  );
}
