import { Logger } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { loadConfig } from '../config/config.schema';
import type { Session } from '../sessions/session';
import { TranscriptStream } from '../transcript-bus/transcript-stream';
import { KEEP_ALIVE_FRAME, toSseFrame, TranscriptsService } from './transcripts.service';

describe(TranscriptsService.name, () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterEach(() => jest.useRealTimers());

  it('formats one event per SSE frame with id, event and one-line JSON data', () => {
    expect(toSseFrame({ type: 'end', id: 7, data: {} })).toBe('id: 7\nevent: end\ndata: {}\n\n');
  });

  it('sends a retry hint, replays, sends keep-alive comments, and completes after end', () => {
    jest.useFakeTimers();
    const sut = new TranscriptsService(loadConfig({ SSE_KEEPALIVE_MS: '1000' }) as AppConfig);
    const stream = new TranscriptStream();
    stream.emit({ type: 'speech-start', data: { segmentId: 0, startMs: 0 } });
    stream.emit({ type: 'speech-start', data: { segmentId: 1, startMs: 3000 } });
    const frames: string[] = [];
    let completed = false;
    sut
      .sse$({ stream } as unknown as Session, 1)
      .subscribe({ next: (f) => frames.push(f), complete: () => (completed = true) });
    jest.advanceTimersByTime(2500);
    stream.end();
    jest.advanceTimersByTime(5000);
    expect(frames[0]).toBe('retry: 2000\n\n');
    expect(frames[1]).toMatch(/^id: 2\nevent: speech-start\n/);
    expect(frames.filter((f) => f === KEEP_ALIVE_FRAME)).toHaveLength(2);
    expect(frames[frames.length - 1]).toBe('id: 3\nevent: end\ndata: {}\n\n');
    expect(completed).toBe(true);
  });
});
