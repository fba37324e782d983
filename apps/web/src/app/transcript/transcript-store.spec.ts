import { TestBed } from '@angular/core/testing';
import { TranscriptEvent } from '@whisperstream/shared-types';
import { TranscriptStore } from './transcript-store';

let nextId = 1;
const ev = <T extends TranscriptEvent['type']>(
  type: T,
  data: Extract<TranscriptEvent, { type: T }>['data'],
) => ({ type, id: nextId++, data }) as TranscriptEvent;

const partial = (segmentId: number, text: string, revision: number) =>
  ev('partial', {
    segmentId,
    text,
    startMs: segmentId * 4000,
    endMs: segmentId * 4000 + 900,
    revision,
  });
const final = (segmentId: number, text: string, latencyMs = 350) =>
  ev('final', {
    segmentId,
    text,
    startMs: segmentId * 4000,
    endMs: segmentId * 4000 + 2000,
    latencyMs,
    engine: 'openai',
  });

describe(TranscriptStore.name, () => {
  let sut: TranscriptStore;

  beforeEach(() => {
    sut = TestBed.inject(TranscriptStore);
  });

  it('shows a placeholder line as soon as speech starts', () => {
    sut.apply(ev('speech-start', { segmentId: 0, startMs: 1200 }));
    expect(sut.partials()).toEqual([
      { segmentId: 0, text: '', startMs: 1200, endMs: 1200, revision: -1 },
    ]);
    expect(sut.isEmpty()).toBe(false);
  });

  it('replaces a partial with each higher revision and ignores older ones', () => {
    sut.apply(partial(0, 'the', 0));
    sut.apply(partial(0, 'the quick', 1));
    sut.apply(partial(0, 'the', 0)); // late, out of order
    sut.apply(partial(0, 'the quick', 1)); // repeated

    expect(sut.partials().map((p) => [p.text, p.revision])).toEqual([['the quick', 1]]);
    expect(sut.lines()).toEqual([]);
  });

  it('replaces the partial with its final (same segment)', () => {
    sut.apply(partial(0, 'the quick', 1));
    sut.apply(partial(1, 'jumps', 0));
    sut.apply(final(0, 'The quick brown fox.'));

    expect(sut.lines().map((l) => l.text)).toEqual(['The quick brown fox.']);
    expect(sut.partials().map((p) => p.segmentId)).toEqual([1]);
  });

  it('never doubles a line: a repeated final and a late partial are ignored', () => {
    sut.apply(final(0, 'Hello.'));
    sut.apply(final(0, 'Hello.'));
    sut.apply(partial(0, 'Hel', 3));

    expect(sut.lines()).toHaveLength(1);
    expect(sut.partials()).toEqual([]);
  });

  it('keeps lines in segment order when finals arrive out of order', () => {
    sut.apply(final(1, 'second'));
    sut.apply(final(0, 'first'));
    sut.apply(final(2, 'third'));
    expect(sut.lines().map((l) => l.segmentId)).toEqual([0, 1, 2]);
  });

  it('adds no line for an empty final, but removes its partial', () => {
    sut.apply(ev('speech-start', { segmentId: 0, startMs: 0 }));
    sut.apply(final(0, '  '));
    expect(sut.lines()).toEqual([]);
    expect(sut.isEmpty()).toBe(true);
  });

  it('drops the partial of a segment the engine failed on, and all partials at the end', () => {
    sut.apply(partial(0, 'lost', 0));
    sut.apply(partial(1, 'also', 0));
    sut.apply(ev('error', { code: 'engine_failed', message: 'x', retryable: false, segmentId: 0 }));
    expect(sut.partials().map((p) => p.segmentId)).toEqual([1]);

    sut.apply(ev('end', {}));
    expect(sut.partials()).toEqual([]);
  });

  it('keeps latency and engine for the details view', () => {
    sut.apply(final(0, 'Hi.', 812));
    expect(sut.lines()[0]).toMatchObject({ latencyMs: 812, engine: 'openai', startMs: 0 });
  });

  it('tells the newest line’s latency, ignoring empty and replayed finals', () => {
    expect(sut.latestLatencyMs()).toBeNull();
    sut.apply(final(0, 'Hi.', 812));
    sut.apply(final(1, '', 90));
    sut.apply(final(0, 'Hi.', 5));
    expect(sut.latestLatencyMs()).toBe(812);
    sut.apply(final(2, 'There.', 640));
    expect(sut.latestLatencyMs()).toBe(640);
    sut.reset();
    expect(sut.latestLatencyMs()).toBeNull();
  });

  it('clears finished lines, lets the line being spoken finish, and forgets all on reset', () => {
    sut.apply(final(0, 'one'));
    sut.apply(partial(1, 'two', 0));
    sut.clear();
    expect(sut.lines()).toEqual([]);
    expect(sut.partials()).toHaveLength(1);

    sut.apply(final(1, 'two'));
    expect(sut.lines().map((l) => l.text)).toEqual(['two']);

    sut.reset();
    expect(sut.isEmpty()).toBe(true);
    sut.apply(final(0, 'one again')); // a new session starts counting from 0
    expect(sut.lines().map((l) => l.text)).toEqual(['one again']);
  });

  it('copies as text with mm:ss stamps', () => {
    sut.apply(final(0, 'Hello there.'));
    sut.apply(final(16, 'General Kenobi.'));
    expect(sut.text()).toBe('[00:00] Hello there.\n[01:04] General Kenobi.');
  });

  it('drops lines in progress when the session is over, and keeps the final lines', () => {
    sut.apply(final(0, 'said'));
    sut.apply(ev('speech-start', { segmentId: 1, startMs: 4000 }));
    sut.apply(partial(2, 'half a', 0));

    sut.dropInProgress();

    expect(sut.partials()).toEqual([]);
    expect(sut.lines().map((l) => l.text)).toEqual(['said']);
    sut.apply(final(1, 'late but real')); // a final that still comes is shown
    expect(sut.lines().map((l) => l.text)).toEqual(['said', 'late but real']);
  });
});
