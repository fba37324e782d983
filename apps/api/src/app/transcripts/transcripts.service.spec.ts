import { Logger } from '@nestjs/common';
import type { AppConfig } from '../config/app-config';
import { loadConfig } from '../config/config.schema';
import { InMemoryTranscriptBus } from '../transcript-bus/in-memory-transcript-bus';
import { TranscriptNotFoundError } from '../transcript-bus/transcript-bus';
import { KEEP_ALIVE_FRAME, toSseFrame, TranscriptsService } from './transcripts.service';

describe(TranscriptsService.name, () => {
  beforeAll(() => Logger.overrideLogger(false));
  afterEach(() => jest.useRealTimers());

  it('formats one event per SSE frame with id, event and one-line JSON data', () => {
    expect(toSseFrame({ type: 'end', id: 7, data: {} })).toBe('id: 7\nevent: end\ndata: {}\n\n');
  });

  it('sends a retry hint, replays, sends keep-alive comments, and completes after end', () => {
    jest.useFakeTimers();
    const config = loadConfig({ SSE_KEEPALIVE_MS: '1000' }) as AppConfig;
    const bus = new InMemoryTranscriptBus(config);
    const sut = new TranscriptsService(config, bus);
    const stream = bus.open('s');
    stream.emit({ type: 'speech-start', data: { segmentId: 0, startMs: 0 } });
    stream.emit({ type: 'speech-start', data: { segmentId: 1, startMs: 3000 } });
    const frames: string[] = [];
    let completed = false;
    sut.sse$('s', 1).subscribe({ next: (f) => frames.push(f), complete: () => (completed = true) });
    jest.advanceTimersByTime(2500);
    stream.end();
    jest.advanceTimersByTime(5000);
    expect(frames[0]).toBe('retry: 2000\n\n');
    expect(frames[1]).toMatch(/^id: 2\nevent: speech-start\n/);
    expect(frames.filter((f) => f === KEEP_ALIVE_FRAME)).toHaveLength(2);
    expect(frames[frames.length - 1]).toBe('id: 3\nevent: end\ndata: {}\n\n');
    expect(completed).toBe(true);
  });

  it('ends the stream with the error when the events cannot be read', () => {
    const config = loadConfig({}) as AppConfig;
    const sut = new TranscriptsService(config, new InMemoryTranscriptBus(config));
    const frames: string[] = [];
    let failed: unknown;
    sut.sse$('unknown', 0).subscribe({ next: (f) => frames.push(f), error: (e) => (failed = e) });
    expect(frames).toEqual(['retry: 2000\n\n']);
    expect(failed).toBeInstanceOf(TranscriptNotFoundError);
  });

  it('reads the transcript lines through the bus', async () => {
    const config = loadConfig({}) as AppConfig;
    const bus = new InMemoryTranscriptBus(config);
    const sut = new TranscriptsService(config, bus);
    const line = { segmentId: 0, text: 'hello', startMs: 0, endMs: 900, latencyMs: 3, engine: 'e' };
    bus.open('s').emit({ type: 'final', data: line });
    expect(await sut.lines('s')).toEqual([line]);
    expect(await sut.lines('unknown')).toEqual([]);
  });
});
