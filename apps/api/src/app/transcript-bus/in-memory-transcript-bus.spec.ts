import { firstValueFrom, toArray } from 'rxjs';
import type { TranscriptEvent } from '@whisperstream/shared-types';
import type { AppConfig } from '../config/app-config';
import { loadConfig } from '../config/config.schema';
import { InMemoryTranscriptBus } from './in-memory-transcript-bus';
import { RETENTION_GRACE_MS, TranscriptNotFoundError } from './transcript-bus';

const final = (segmentId: number, text: string) =>
  ({
    type: 'final',
    data: { segmentId, text, startMs: 0, endMs: 900, latencyMs: 5, engine: 'e' },
  }) as const;

const config = (env: Record<string, string> = {}) =>
  loadConfig({ SSE_REPLAY_EVENTS: '10', ...env }) as AppConfig;

describe(InMemoryTranscriptBus.name, () => {
  const sut = new InMemoryTranscriptBus(config());

  afterEach(() => jest.useRealTimers());

  it('opens one channel per session, numbered from 1 on its own', () => {
    const a = sut.open('a');
    const b = sut.open('b');
    a.emit({ type: 'speech-start', data: { segmentId: 0, startMs: 0 } });
    expect(a.emit({ type: 'speech-start', data: { segmentId: 1, startMs: 5 } })?.id).toBe(2);
    expect(b.emit({ type: 'speech-start', data: { segmentId: 0, startMs: 0 } })?.id).toBe(1);
  });

  it('replays as many events as SSE_REPLAY_EVENTS says', async () => {
    const channel = sut.open('c');
    for (let i = 0; i < 15; i++) {
      channel.emit({ type: 'speech-start', data: { segmentId: i, startMs: i } });
    }
    channel.end();
    const replayed = await firstValueFrom(channel.events$(0).pipe(toArray()));
    expect(replayed.map((e) => e.id)).toEqual([7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
  });

  it('serves a session by id: replay after Last-Event-ID, then live, completing after end', async () => {
    const channel = sut.open('d');
    channel.emit(final(0, 'a'));
    channel.emit(final(1, 'b'));
    const received = firstValueFrom(sut.events$('d', 1).pipe(toArray()));
    channel.emit(final(2, 'c'));
    channel.end();
    expect((await received).map((e: TranscriptEvent) => e.id)).toEqual([2, 3, 4]);
    expect((await sut.lines('d')).map((l) => l.text)).toEqual(['a', 'b', 'c']);
  });

  it('keeps an ended session readable by id until it is forgotten', async () => {
    const channel = sut.open('e');
    channel.emit(final(0, 'a'));
    channel.end();
    const replay = await firstValueFrom(sut.events$('e').pipe(toArray()));
    expect(replay.map((e) => e.type)).toEqual(['final', 'end']);
    await sut.forget('e');
    await expect(firstValueFrom(sut.events$('e'))).rejects.toBeInstanceOf(TranscriptNotFoundError);
    expect(await sut.lines('e')).toEqual([]);
  });

  it('hands the session its own channel on takeOver, so numbering goes on', async () => {
    const channel = sut.open('f');
    channel.emit(final(0, 'a'));
    const taken = await sut.takeOver('f');
    expect(taken.emit({ type: 'end', data: {} })?.id).toBe(2);
    expect((await sut.takeOver('unknown')).emit(final(0, 'x'))?.id).toBe(1);
  });

  it('drops an ended session by itself SESSION_RETENTION_MS and a grace after its end', async () => {
    jest.useFakeTimers();
    const bus = new InMemoryTranscriptBus(config({ SESSION_RETENTION_MS: '1000' }));
    const ended = bus.open('g');
    ended.emit(final(0, 'a'));
    ended.end();
    bus.open('live');
    jest.advanceTimersByTime(1000 + RETENTION_GRACE_MS - 1);
    expect((await bus.lines('g')).map((l) => l.text)).toEqual(['a']);
    jest.advanceTimersByTime(1);
    expect(await bus.lines('g')).toEqual([]);
    expect(bus.size).toBe(1); // the open session stays
  });

  it('keeps at most SESSION_RETENTION_MAX ended sessions, the first ended going first', async () => {
    const bus = new InMemoryTranscriptBus(config({ SESSION_RETENTION_MAX: '2' }));
    for (const id of ['h1', 'h2', 'h3']) {
      const channel = bus.open(id);
      channel.emit(final(0, id));
      channel.end();
    }
    expect(await bus.lines('h1')).toEqual([]);
    expect((await bus.lines('h2')).map((l) => l.text)).toEqual(['h2']);
    expect((await bus.lines('h3')).map((l) => l.text)).toEqual(['h3']);
  });
});
