import { OpusEncoder } from '@discordjs/opus';
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
  audioMs: 0,
  ...over,
});

describe(PipelineTotals.name, () => {
  it('adds up received, lost, late, resyncs and decode errors over ended pipelines', () => {
    const sut = new PipelineTotals();
    sut.record(stats({ received: 10, lost: 1, late: 2, resyncs: 1, decodeErrors: 3 }));
    sut.record(stats({ received: 5, lost: 0, late: 1, resyncs: 0, decodeErrors: 0 }));
    expect(sut.snapshot()).toEqual({
      pipelinesEnded: 2,
      rtpReceived: 15,
      rtpLost: 1,
      rtpLate: 3,
      rtpResyncs: 1,
      decodeErrors: 3,
    });
  });

  it('records a pipeline made by AudioPipelineService once, when it ends', async () => {
    const sut = new PipelineTotals();
    const config = { SEGMENTATION: 'fixed', FIXED_CHUNK_MS: 1000 } as unknown as AppConfig;
    const pipeline = new AudioPipelineService(config, sut).create(111, {
      speechStart: () => undefined,
      utterance: () => undefined,
    });
    const encoder = new OpusEncoder(48000, 2);
    const payload = encoder.encode(Buffer.alloc(960 * 2 * 2));
    for (const seq of [0, 1, 3]) {
      pipeline.push({
        header: { sequenceNumber: seq, timestamp: seq * 960, payloadType: 111 },
        payload,
      });
    }
    expect(sut.snapshot().pipelinesEnded).toBe(0);
    await Promise.all([pipeline.end(), pipeline.end()]); // idempotent: counted once
    expect(sut.snapshot()).toEqual({
      pipelinesEnded: 1,
      rtpReceived: 3,
      rtpLost: 1,
      rtpLate: 0,
      rtpResyncs: 0,
      decodeErrors: 0,
    });
  });
});
