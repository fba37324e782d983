import { Injectable, Optional, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { ProcessMetricsJson } from '@whisperstream/shared-types';
import {
  PipelineTotals,
  type PipelineTotalsSnapshot,
} from '../audio-pipeline/pipeline-totals.service';
import { EngineQueueMetrics } from '../cluster/engine-queue/engine-queue-metrics';
import { SessionService } from '../sessions/sessions.service';
import { TranscriptionService } from '../transcription/transcription.service';

/** The histogram's sampling timer: every reading includes up to this much of it. */
export const EVENT_LOOP_RESOLUTION_MS = 10;

/** An API node's metrics: every section of ProcessMetricsSchema but `cluster`. */
export type Metrics = Omit<Required<ProcessMetricsJson>, 'cluster'>;

/**
 * What GET /metrics answers, typed by its schema in shared-types (which the OpenAPI document
 * publishes): an engine worker process (ROLE=worker) has no sessions, RTP or transcription of
 * its own; `cluster` is there in cluster mode only (REDIS_URL).
 */
export type ProcessMetrics = ProcessMetricsJson;

/** Process health for operators: event-loop delay, memory, live handles, sessions, RTP totals. */
@Injectable()
export class MetricsService implements OnModuleInit, OnModuleDestroy {
  #delay: IntervalHistogram | undefined;

  constructor(
    @Optional() private readonly sessions?: SessionService,
    @Optional() private readonly totals?: PipelineTotals,
    @Optional() private readonly transcription?: TranscriptionService,
    @Optional() private readonly cluster?: EngineQueueMetrics,
  ) {}

  onModuleInit(): void {
    this.#delay = monitorEventLoopDelay({ resolution: EVENT_LOOP_RESOLUTION_MS });
    this.#delay.enable();
  }

  onModuleDestroy(): void {
    this.#delay?.disable();
  }

  /** What GET /metrics answers: the process's own sections and, in cluster mode, `cluster`. */
  async collect(): Promise<ProcessMetrics> {
    const cluster = await this.cluster?.snapshot();
    const own =
      this.sessions && this.totals && this.transcription ? this.snapshot() : this.#process();
    return cluster ? { ...own, cluster } : own;
  }

  /** An API node's snapshot; the event-loop histogram starts again after each one. */
  snapshot(): Metrics {
    const { sessions, totals, transcription } = this;
    if (!sessions || !totals || !transcription) throw new Error('not an API node');
    const rtp: PipelineTotalsSnapshot = totals.snapshot();
    return {
      ...this.#process(),
      sessions: {
        open: sessions.openCount,
        rateLimited: rtp.sessionsRateLimited,
        retained: sessions.retainedCount,
      },
      rtp: {
        received: rtp.rtpReceived,
        lost: rtp.rtpLost,
        late: rtp.rtpLate,
        resyncs: rtp.rtpResyncs,
        rateLimited: rtp.rtpRateLimited,
        decodeErrors: rtp.decodeErrors,
        pipelines: rtp.pipelinesEnded,
      },
      transcription: transcription.metricsSnapshot(),
    };
  }

  #process(): Pick<Metrics, 'uptimeS' | 'eventLoopDelayMs' | 'memory' | 'activeResources'> {
    return {
      uptimeS: Math.round(process.uptime()),
      eventLoopDelayMs: this.#takeDelay(),
      memory: process.memoryUsage(),
      activeResources: countByType(process.getActiveResourcesInfo()),
    };
  }

  #takeDelay(): Metrics['eventLoopDelayMs'] {
    const h = this.#delay;
    if (!h || h.count === 0) return { p50: 0, p99: 0, max: 0 };
    const ms = (ns: number) =>
      Math.max(0, Math.round((ns / 1e6 - EVENT_LOOP_RESOLUTION_MS) * 100) / 100);
    const delay = { p50: ms(h.percentile(50)), p99: ms(h.percentile(99)), max: ms(h.max) };
    h.reset();
    return delay;
  }
}

function countByType(types: string[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const type of types) counts[type] = (counts[type] ?? 0) + 1;
  return counts;
}
