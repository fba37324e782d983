import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import {
  PipelineTotals,
  type PipelineTotalsSnapshot,
} from '../audio-pipeline/pipeline-totals.service';
import { SessionService } from '../sessions/sessions.service';
import { TranscriptionService } from '../transcription/transcription.service';

/** The histogram's sampling timer: every reading includes up to this much of it. */
export const EVENT_LOOP_RESOLUTION_MS = 10;

export interface Metrics {
  uptimeS: number;
  /** Since the previous GET /metrics (or start), resolution subtracted, in ms. */
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  memory: NodeJS.MemoryUsage;
  /** Handles and requests keeping the loop alive, counted by type (`UDPWrap`, `Timeout`, ...). */
  activeResources: Record<string, number>;
  /**
   * `rateLimited`: sessions that sent audio faster than real time allows (since start);
   * `retained`: ended sessions whose transcript is still kept.
   */
  sessions: { open: number; rateLimited: number; retained: number };
  /** Over every session whose audio pipeline has ended. */
  rtp: {
    received: number;
    lost: number;
    late: number;
    resyncs: number;
    /** Packets dropped for arriving faster than real time allows. */
    rateLimited: number;
    decodeErrors: number;
    pipelines: number;
  };
  /** Engine requests (finals, partials), the hallucination guard, latency histograms per engine. */
  transcription: ReturnType<TranscriptionService['metricsSnapshot']>;
}

/** Process health for operators: event-loop delay, memory, live handles, sessions, RTP totals. */
@Injectable()
export class MetricsService implements OnModuleInit, OnModuleDestroy {
  #delay: IntervalHistogram | undefined;

  constructor(
    private readonly sessions: SessionService,
    private readonly totals: PipelineTotals,
    private readonly transcription: TranscriptionService,
  ) {}

  onModuleInit(): void {
    this.#delay = monitorEventLoopDelay({ resolution: EVENT_LOOP_RESOLUTION_MS });
    this.#delay.enable();
  }

  onModuleDestroy(): void {
    this.#delay?.disable();
  }

  /** A snapshot; the event-loop histogram starts again after each one. */
  snapshot(): Metrics {
    const rtp: PipelineTotalsSnapshot = this.totals.snapshot();
    return {
      uptimeS: Math.round(process.uptime()),
      eventLoopDelayMs: this.#takeDelay(),
      memory: process.memoryUsage(),
      activeResources: countByType(process.getActiveResourcesInfo()),
      sessions: {
        open: this.sessions.openCount,
        rateLimited: rtp.sessionsRateLimited,
        retained: this.sessions.retainedCount,
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
      transcription: this.transcription.metricsSnapshot(),
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
