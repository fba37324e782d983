import { OpusEncoder } from '@discordjs/opus';
import { Logger } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import type { PipelineStats } from './audio-pipeline';
import { AudioPipelineService } from './audio-pipeline.service';
import { PipelineTotals } from './pipeline-totals.service';

const stats = (over: Partial<PipelineStats>): PipelineStats => ({
  received: 0,
  ignored: 0,
  lost: 0,
  late: 0,
  duplicates: 0,
  reordered: 0,
  resyncs: 0,
  decoded: 0,
  decodeErrors: 0,
  concealedMs: 0,
  timestampJumps: 0,
  rateLimited: 0,
  audioMs: 0,
  ...over,
});

describe(PipelineTotals.name, () => {
  it('adds up received, lost, late, resyncs, rate-limited packets and decode errors over ended pipelines, and rate-limited sessions', () => {
    const sut = new PipelineTotals();
    sut.record(stats({ received: 10, lost: 1, late: 2, resyncs: 1, decodeErrors: 3 }));
    sut.record(stats({ received: 5, lost: 0, late: 1, resyncs: 0, rateLimited: 4 }));
    sut.recordRateLimited();
    expect(sut.snapshot()).toEqual({
      pipelinesEnded: 2,
      rtpReceived: 15,
      rtpLost: 1,
      rtpLate: 3,
      rtpResyncs: 1,
      rtpRateLimited: 4,
      decodeErrors: 3,
      sessionsRateLimited: 1,
    });
  });

  it('records a pipeline made by AudioPipelineService once, when it ends', () => {
    const sut = new PipelineTotals();
    const config = { SEGMENTATION: 'fixed', FIXED_CHUNK_MS: 1000 } as unknown as AppConfig;
    const pipeline = new AudioPipelineService(config, sut).create(111, () => undefined);
    const encoder = new OpusEncoder(48000, 2);
    const payload = encoder.encode(Buffer.alloc(960 * 2 * 2));
    for (const seq of [0, 1, 3]) {
      pipeline.push({
        header: { sequenceNumber: seq, timestamp: seq * 960, payloadType: 111 },
        payload,
      });
    }
    expect(sut.snapshot().pipelinesEnded).toBe(0);
    pipeline.end();
    pipeline.end(); // idempotent: counted once
    expect(sut.snapshot()).toEqual({
      pipelinesEnded: 1,
      rtpReceived: 3,
      rtpLost: 1,
      rtpLate: 0,
      rtpResyncs: 0,
      rtpRateLimited: 0,
      decodeErrors: 0,
      sessionsRateLimited: 0,
    });
  });

  it('counts a session whose audio goes over the cap once, live, and warns once naming it', () => {
    const sut = new PipelineTotals();
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    const config = { SEGMENTATION: 'fixed', FIXED_CHUNK_MS: 1000 } as unknown as AppConfig;
    const pipeline = new AudioPipelineService(config, sut).create(111, () => undefined, {
      sessionId: 'session-1',
    });
    const payload = new OpusEncoder(48000, 2).encode(Buffer.alloc(960 * 2 * 2));
    // 6 s of audio at once: more than the burst allows.
    for (let seq = 0; seq < 300; seq++) {
      pipeline.push({
        header: { sequenceNumber: seq, timestamp: seq * 960, payloadType: 111 },
        payload,
      });
    }
    expect(sut.snapshot().sessionsRateLimited).toBe(1);
    pipeline.end();
    const { rtpRateLimited, sessionsRateLimited } = sut.snapshot();
    expect(rtpRateLimited).toBeGreaterThan(150);
    expect(sessionsRateLimited).toBe(1);
    const warnings = warn.mock.calls.filter(([m]) =>
      /faster than real time/.test(String((m as { msg?: string }).msg)),
    );
    expect(warnings).toEqual([[expect.objectContaining({ sessionId: 'session-1' })]]);
    warn.mockRestore();
  });
});
