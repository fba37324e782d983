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
  decodeErrors: number;
}

/** Adds up each pipeline's stats when it ends (AudioPipelineService wires it in). */
@Injectable()
export class PipelineTotals {
  readonly #totals: PipelineTotalsSnapshot = {
    pipelinesEnded: 0,
    rtpReceived: 0,
    rtpLost: 0,
    rtpLate: 0,
    rtpResyncs: 0,
    decodeErrors: 0,
  };

  record(stats: PipelineStats): void {
    this.#totals.pipelinesEnded++;
    this.#totals.rtpReceived += stats.received;
    this.#totals.rtpLost += stats.lost;
    this.#totals.rtpLate += stats.late;
    this.#totals.rtpResyncs += stats.resyncs;
    this.#totals.decodeErrors += stats.decodeErrors;
  }

  snapshot(): PipelineTotalsSnapshot {
    return { ...this.#totals };
  }
}
