import { firstValueFrom, take, toArray } from 'rxjs';
import type { TranscriptEvent } from '@whisperstream/shared-types';
import { TranscriptStream } from './transcript-stream';

const final = (segmentId: number, text: string) =>
  ({
    type: 'final',
    data: {
      segmentId,
      text,
      startMs: segmentId * 1000,
      endMs: segmentId * 1000 + 900,
      latencyMs: 5,
      engine: 'e',
    },
  }) as const;

describe(TranscriptStream.name, () => {
  it('numbers events from 1, rising by one', () => {
    const sut = new TranscriptStream();
    const ids = [
      sut.emit(final(0, 'a')),
      sut.emit(final(1, 'b')),
      sut.emit({ type: 'end', data: {} }),
    ].map((e) => e?.id);
    expect(ids).toEqual([1, 2, 3]);
  });

  it('replays after Last-Event-ID and then goes on live, with no gap or duplicate', async () => {
    const sut = new TranscriptStream();
    sut.emit(final(0, 'a'));
    sut.emit(final(1, 'b'));
    sut.emit(final(2, 'c'));
    const received = firstValueFrom(sut.events$(1).pipe(toArray()));
    sut.emit(final(3, 'd'));
    sut.end();
    expect((await received).map((e: TranscriptEvent) => e.id)).toEqual([2, 3, 4, 5]);
  });

  it('serves the whole buffered history to a subscriber that comes after the end', async () => {
    const sut = new TranscriptStream();
    sut.emit(final(0, 'a'));
    sut.end();
    const all = await firstValueFrom(sut.events$().pipe(toArray()));
    expect(all.map((e) => e.type)).toEqual(['final', 'end']);
    expect(sut.emit(final(1, 'late'))).toBeUndefined();
  });

  it('bounds the replay buffer but keeps every final line for export', () => {
    const sut = new TranscriptStream(10);
    for (let i = 0; i < 25; i++) sut.emit(final(i, `line ${i}`));
    expect(sut.lines).toHaveLength(25);
    expect(sut.hasGapAfter(0)).toBe(true);
    expect(sut.hasGapAfter(15)).toBe(false);
  });

  it('leaves empty finals out of the transcript lines', () => {
    const sut = new TranscriptStream();
    sut.emit(final(0, 'a'));
    sut.emit(final(1, '  '));
    expect(sut.lines.map((l) => l.text)).toEqual(['a']);
  });

  it('compacts only once ended, dropping the partials and keeping the ids of the rest', async () => {
    const sut = new TranscriptStream();
    const partial = (revision: number) =>
      sut.emit({
        type: 'partial',
        data: { segmentId: 0, text: 'a', startMs: 0, endMs: 500, revision },
      });
    partial(1);
    sut.compact();
    expect(sut.hasGapAfter(0)).toBe(false); // nothing dropped while live
    partial(2);
    sut.emit(final(0, 'a'));
    sut.end();
    sut.compact();
    const all = await firstValueFrom(sut.events$().pipe(toArray()));
    expect(all.map((e) => [e.id, e.type])).toEqual([
      [3, 'final'],
      [4, 'end'],
    ]);
    expect(sut.lines.map((l) => l.text)).toEqual(['a']);
  });

  it('goes on from a history taken over from another node: its replay, its lines, its numbering', async () => {
    const history = new TranscriptStream();
    history.emit(final(0, 'a'));
    history.emit(final(1, 'b'));
    const events = await firstValueFrom(history.events$().pipe(take(2), toArray()));
    const sut = new TranscriptStream(10, {
      history: { events: events.slice(1), lines: history.lines, lastId: 2 },
    });
    expect(sut.emit({ type: 'end', data: {} })?.id).toBe(3);
    expect(sut.lines.map((l) => l.text)).toEqual(['a', 'b']);
    const replay = await firstValueFrom(sut.events$(0).pipe(toArray()));
    expect(replay.map((e) => e.id)).toEqual([2, 3]);
  });

  it('is ended when its history ends with end, and tells of each event and of compaction', async () => {
    const seen: number[] = [];
    let compacted = 0;
    const live = new TranscriptStream(10, {
      onEmit: (e) => seen.push(e.id),
      onCompact: () => compacted++,
    });
    live.emit(final(0, 'a'));
    live.compact(); // not ended: nothing happens
    live.end();
    live.compact();
    expect(seen).toEqual([1, 2]);
    expect(compacted).toBe(1);
    const events = await firstValueFrom(live.events$().pipe(toArray()));
    const sut = new TranscriptStream(10, { history: { events, lines: live.lines, lastId: 2 } });
    expect(sut.ended).toBe(true);
    expect(sut.emit(final(1, 'late'))).toBeUndefined();
    expect((await firstValueFrom(sut.events$().pipe(toArray()))).map((e) => e.type)).toEqual([
      'final',
      'end',
    ]);
  });
});
