import type { TranscriptEvent } from '@whisperstream/shared-types';
import {
  alignUtterances,
  analyzeClip,
  belongsTo,
  joinedText,
  percentiles,
  summarize,
  type ClipRun,
  type TimedEvent,
} from './analysis';
import type { ClipPlan } from './fixtures';

let nextId = 1;
function final(
  atMs: number,
  segmentId: number,
  startMs: number,
  endMs: number,
  text: string,
): TimedEvent {
  const event: TranscriptEvent = {
    type: 'final',
    id: nextId++,
    data: { segmentId, startMs, endMs, text, latencyMs: 500, engine: 'sphinx' },
  };
  return { atMs, event };
}
function partial(atMs: number, segmentId: number, startMs: number, endMs: number): TimedEvent {
  const event: TranscriptEvent = {
    type: 'partial',
    id: nextId++,
    data: { segmentId, startMs, endMs, text: 'x', revision: 0 },
  };
  return { atMs, event };
}

const CONVERSATION: ClipPlan = {
  file: 'conversation.wav',
  reference: 'a b c d e',
  utterances: [
    { startMs: 1000, endMs: 8100, text: 'a b c', voicedEndMs: 7700 },
    { startMs: 9300, endMs: 12290, text: 'd e' },
  ],
  padAfterMs: 0,
};

function run(events: TimedEvent[], extra: Partial<ClipRun> = {}): ClipRun {
  return {
    file: 'conversation.wav',
    events,
    playedMs: 17580,
    deleteAtMs: 17700,
    endAtMs: 19000,
    maxLateMs: 3,
    engine: null,
    ...extra,
  };
}

describe(belongsTo.name, () => {
  it('needs 200 ms of overlap, or half of a shorter utterance', () => {
    const utterance = { startMs: 9300, endMs: 12290 };
    expect(belongsTo({ startMs: 12000, endMs: 15000 }, utterance)).toBe(true); // 290 ms
    expect(belongsTo({ startMs: 12100, endMs: 15000 }, utterance)).toBe(false); // 190 ms
    expect(belongsTo({ startMs: 6000, endMs: 9000 }, utterance)).toBe(false);
    expect(belongsTo({ startMs: 0, endMs: 150 }, { startMs: 0, endMs: 240 })).toBe(true);
  });
});

describe(alignUtterances.name, () => {
  it('times an utterance from its end to the last final that holds part of it', () => {
    // Fixed 3 s chunks: the chunk 6-9 s ends the first utterance, 12-15 s the second.
    const events = [
      final(3900, 0, 0, 3000, 'a'),
      final(6800, 1, 3000, 6000, 'b'),
      final(9700, 2, 6000, 9000, 'c'),
      final(12600, 3, 9000, 12000, 'd'),
      final(15900, 4, 12000, 15000, 'e'),
    ];
    const sut = alignUtterances(CONVERSATION.utterances, events);
    expect(sut.map((u) => u.segmentIds)).toEqual([
      [0, 1, 2],
      [3, 4],
    ]);
    expect(sut.map((u) => u.finalLatencyMs)).toEqual([9700 - 8100, 15900 - 12290]);
    expect(sut.map((u) => u.finalAfterVoicedEndMs)).toEqual([9700 - 7700, null]);
  });

  it('uses arrival order, not segment order, for the last final', () => {
    const events = [final(9000, 1, 4000, 8000, 'b'), final(9500, 0, 1000, 4000, 'a')];
    expect(alignUtterances([CONVERSATION.utterances[0]], events)[0].finalLatencyMs).toBe(1400);
  });

  it('says null when no final and no partial came for an utterance', () => {
    const sut = alignUtterances(CONVERSATION.utterances, [final(9000, 0, 950, 7880, 'a b')]);
    expect(sut[1]).toMatchObject({ segmentIds: [], finalLatencyMs: null, firstPartialMs: null });
  });

  it('times the first partial from the start of the speech', () => {
    const events = [
      partial(2600, 0, 950, 2000),
      partial(2300, 0, 950, 1100), // too little of the utterance in it
      partial(3500, 0, 950, 3000),
      partial(11000, 1, 9270, 10300),
    ];
    const sut = alignUtterances(CONVERSATION.utterances, events);
    expect(sut.map((u) => u.firstPartialMs)).toEqual([1600, 1700]);
  });
});

describe(joinedText.name, () => {
  it('joins non-empty texts with single spaces', () => {
    expect(joinedText([{ text: ' go forward ' }, { text: '' }, { text: 'ten meters' }])).toBe(
      'go forward ten meters',
    );
  });
});

describe(analyzeClip.name, () => {
  it('scores the joined finals in time order against the reference and the baseline', () => {
    const events = [final(12600, 1, 9270, 12160, 'd e'), final(10000, 0, 950, 7880, 'a b x')];
    const sut = analyzeClip(CONVERSATION, run(events), 'a b c d e');
    expect(sut.hypothesis).toBe('a b x d e');
    expect(sut.wer).toBeCloseTo(0.2);
    expect(sut.baselineWer).toBe(0);
    expect(sut.addedWer).toBeCloseTo(0.2);
    expect(sut.segmentMs).toBe(7880 - 950 + 12160 - 9270);
    expect(sut.speechMs).toBe(7100 + 2990);
    expect(sut.segmentOutsideSpeechMs).toBe(50 + 30);
    expect(sut.deleteToEndMs).toBe(1300);
  });

  it('counts what was sent outside the speech and the words it gave', () => {
    const noise: ClipPlan = { file: 'noise.wav', reference: '', utterances: [], padAfterMs: 1000 };
    const events = [final(4000, 0, 0, 3000, ''), final(7000, 1, 3000, 6000, 'ice cream')];
    const sut = analyzeClip(noise, run(events), '');
    expect(sut.segmentsOutsideSpeech).toBe(2);
    expect(sut.wordsOutsideSpeech).toBe(2);
    expect(sut.segmentOutsideSpeechMs).toBe(6000);
    expect(sut.edits.insertions).toBe(2);
  });

  it('keeps the errors the server sent and a failure of the run', () => {
    const error: TimedEvent = {
      atMs: 5000,
      event: {
        type: 'error',
        id: 99,
        data: { code: 'engine_busy', message: 'busy', retryable: true, segmentId: 2 },
      },
    };
    const sut = analyzeClip(CONVERSATION, run([error], { failure: 'no end' }), null);
    expect(sut.errors).toEqual([{ code: 'engine_busy', message: 'busy', segmentId: 2 }]);
    expect(sut.failure).toBe('no end');
    expect(sut.baselineWer).toBeNull();
    expect(sut.addedWer).toBeNull();
  });
});

describe(percentiles.name, () => {
  it('interpolates p50 and p95 and says nothing for no values', () => {
    expect(percentiles([100, 200, 300, 400, 500])).toEqual({ count: 5, p50: 300, p95: 480 });
    expect(percentiles([])).toEqual({ count: 0, p50: undefined, p95: undefined });
  });
});

describe(summarize.name, () => {
  it('pools word errors over the speech clips and counts noise words apart', () => {
    const speech = analyzeClip(
      CONVERSATION,
      run([final(10000, 0, 950, 7880, 'a b c'), final(13000, 1, 9270, 12160, 'd')]),
      'a b c d e',
    );
    const noise = analyzeClip(
      { file: 'noise.wav', reference: '', utterances: [], padAfterMs: 1000 },
      run([final(4000, 0, 0, 3000, 'uh huh')]),
      '',
    );
    const sut = summarize([speech, noise]);
    expect(sut.edits.referenceWords).toBe(5);
    expect(sut.wer).toBeCloseTo(1 / 5);
    expect(sut.baselineWer).toBe(0);
    expect(sut.wordsFromNoise).toBe(2);
    expect(sut.segments).toBe(3);
    expect(sut.utterances).toBe(2);
    expect(sut.utterancesMissed).toBe(0);
    expect(sut.utterancesWithoutPartial).toBe(2);
    expect(sut.firstPartialMs.count).toBe(0);
    expect(sut.finalLatencyMs).toEqual({ count: 2, p50: 1305, p95: 1841 });
  });

  it('has no baseline when a clip has none', () => {
    const speech = analyzeClip(CONVERSATION, run([]), null);
    expect(summarize([speech]).baselineWer).toBeNull();
  });
});
