import { Injectable } from '@nestjs/common';
import type { PipelineStats } from './audio-pipeline';

/** Running totals over every ended pipeline since the process started. */
export interface PipelineTotalsSnapshot {
  pipelinesEnded: number;
  rtpReceived: number;
  rtpLost: number;
  rtpLate: number;
  /** Streams whose sequence numbers jumped (a sender restart) and were followed. */
  rtpResyncs: number;
  /** Packets dropped for arriving faster than real time allows. */
  rtpRateLimited: number;
  decodeErrors: number;
  /** Sessions that sent audio faster than real time allows, counted when it began (live ones too). */
  sessionsRateLimited: number;
}

/**
 * Adds up each pipeline's stats when it ends, and counts sessions over the audio cap when they
 * go over it (AudioPipelineService wires both in).
 */
@Injectable()
export class PipelineTotals {
  readonly #totals: PipelineTotalsSnapshot = {
    pipelinesEnded: 0,
    rtpReceived: 0,
    rtpLost: 0,
    rtpLate: 0,
    rtpResyncs: 0,
    rtpRateLimited: 0,
    decodeErrors: 0,
    sessionsRateLimited: 0,
  };

  record(stats: PipelineStats): void {
    this.#totals.pipelinesEnded++;
    this.#totals.rtpReceived += stats.received;
    this.#totals.rtpLost += stats.lost;
    this.#totals.rtpLate += stats.late;
    this.#totals.rtpResyncs += stats.resyncs;
    this.#totals.rtpRateLimited += stats.rateLimited;
    this.#totals.decodeErrors += stats.decodeErrors;
  }

  /** A session's audio went over the cap (once per session, when it first does). */
  recordRateLimited(): void {
    this.#totals.sessionsRateLimited++;
  }

  snapshot(): PipelineTotalsSnapshot {
    return { ...this.#totals };
  }
}
