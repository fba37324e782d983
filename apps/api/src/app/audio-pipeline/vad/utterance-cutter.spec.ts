import { SAMPLES_PER_MS } from '../opus-decode.stage';
import type { SegmenterOutput, Utterance } from '../segmenter';
import { UtteranceCutter } from './utterance-cutter';
import { InvalidVadSettingsError, resolveVadSettings } from './vad-settings';

const FRAME_MS = 10;
/** The times below were worked out with a 100 ms trail (the default is 300 ms). */
const TRAIL_100 = { trailMs: 100 };
const LOUD = 3000;

interface Span {
  ms: number;
  p: number;
  /** Constant sample value of the span's frames (its loudness); LOUD for speech, 0 otherwise. */
  amplitude?: number;
}

interface Fed {
  outputs: SegmenterOutput[];
  /** For each output, the stream position (ms) at which it came out. */
  emittedAtMs: number[];
}

/** Pushes 10 ms frames following the spans, then optionally flushes. */
function feed(sut: UtteranceCutter, spans: Span[], flush = false): Fed {
  const fed: Fed = { outputs: [], emittedAtMs: [] };
  const take = (outputs: SegmenterOutput[]) => {
    for (const o of outputs) {
      fed.outputs.push(o);
      fed.emittedAtMs.push(sut.positionSamples / SAMPLES_PER_MS);
    }
  };
  for (const span of spans) {
    const amplitude = span.amplitude ?? (span.p >= 0.5 ? LOUD : 0);
    for (let t = 0; t < span.ms; t += FRAME_MS) {
      take(sut.push(new Int16Array(FRAME_MS * SAMPLES_PER_MS).fill(amplitude), span.p));
    }
  }
  if (flush) take(sut.flush());
  return fed;
}

function utterances(outputs: SegmenterOutput[]): Omit<Utterance, 'samples'>[] {
  return outputs.flatMap((o) =>
    o.type === 'utterance'
      ? [
          {
            segmentId: o.utterance.segmentId,
            startMs: o.utterance.startMs,
            endMs: o.utterance.endMs,
          },
        ]
      : [],
  );
}

function starts(outputs: SegmenterOutput[]): { segmentId: number; startMs: number }[] {
  return outputs.flatMap((o) =>
    o.type === 'speech-start' ? [{ segmentId: o.segmentId, startMs: o.startMs }] : [],
  );
}

describe(UtteranceCutter.name, () => {
  it('starts the utterance preRollMs before the first speech frame', () => {
    const sut = new UtteranceCutter(TRAIL_100);

    const { outputs } = feed(sut, [
      { ms: 1000, p: 0 },
      { ms: 1000, p: 0.9 },
      { ms: 1000, p: 0 },
    ]);

    expect(starts(outputs)).toEqual([{ segmentId: 0, startMs: 700 }]);
    expect(utterances(outputs)).toEqual([{ segmentId: 0, startMs: 700, endMs: 2100 }]);
  });

  it('ends the utterance once the pause lasts minSilenceMs, keeping trailMs of it', () => {
    const sut = new UtteranceCutter({ ...TRAIL_100, minSilenceMs: 400, trailMs: 50, preRollMs: 0 });

    const { outputs, emittedAtMs } = feed(sut, [
      { ms: 1000, p: 0.9 },
      { ms: 1000, p: 0.1 },
    ]);

    expect(utterances(outputs)).toEqual([{ segmentId: 0, startMs: 0, endMs: 1050 }]);
    expect(emittedAtMs[outputs.findIndex((o) => o.type === 'utterance')]).toBe(1400);
  });

  it('announces speech-start only once the speech lasts minSpeechMs', () => {
    const sut = new UtteranceCutter({ ...TRAIL_100, minSpeechMs: 250 });

    const { outputs, emittedAtMs } = feed(sut, [
      { ms: 500, p: 0 },
      { ms: 1000, p: 0.9 },
    ]);

    expect(starts(outputs)).toEqual([{ segmentId: 0, startMs: 200 }]);
    expect(emittedAtMs[0]).toBe(750);
  });

  it('uses hysteresis: a probability between the thresholds neither starts nor ends speech', () => {
    const sut = new UtteranceCutter(TRAIL_100);

    const { outputs } = feed(sut, [
      { ms: 1000, p: 0.45, amplitude: LOUD },
      { ms: 500, p: 0.9 },
      { ms: 2000, p: 0.4, amplitude: LOUD },
      { ms: 1000, p: 0.1 },
    ]);

    expect(utterances(outputs)).toEqual([{ segmentId: 0, startMs: 700, endMs: 3600 }]);
  });

  it('drops bursts shorter than minSpeechMs without a speech-start', () => {
    const sut = new UtteranceCutter(TRAIL_100);

    const { outputs } = feed(sut, [
      { ms: 500, p: 0 },
      { ms: 200, p: 0.9 },
      { ms: 1000, p: 0 },
      { ms: 600, p: 0.9 },
      { ms: 1000, p: 0 },
    ]);

    expect(starts(outputs)).toEqual([{ segmentId: 0, startMs: 1400 }]);
    expect(utterances(outputs)).toEqual([{ segmentId: 0, startMs: 1400, endMs: 2400 }]);
  });

  it('gives successive utterances rising segment ids and never overlaps them', () => {
    const sut = new UtteranceCutter({ ...TRAIL_100, preRollMs: 300, minSilenceMs: 500 });

    const { outputs } = feed(sut, [
      { ms: 500, p: 0.9 },
      { ms: 600, p: 0 },
      { ms: 500, p: 0.9 },
      { ms: 600, p: 0 },
      { ms: 500, p: 0.9 },
      { ms: 600, p: 0 },
    ]);

    expect(utterances(outputs)).toEqual([
      { segmentId: 0, startMs: 0, endMs: 600 },
      // Only 500 ms of the 600 ms pause are left after the trail: the pre-roll gets 300 of them.
      { segmentId: 1, startMs: 800, endMs: 1700 },
      { segmentId: 2, startMs: 1900, endMs: 2800 },
    ]);
  });

  it('cuts an utterance reaching maxUtteranceMs at the quietest frame of the last cutSearchMs', () => {
    const sut = new UtteranceCutter({
      ...TRAIL_100,
      maxUtteranceMs: 5000,
      cutSearchMs: 2000,
      preRollMs: 0,
    });

    const { outputs } = feed(sut, [
      { ms: 2000, p: 0.9 },
      { ms: 10, p: 0.9, amplitude: 0 }, // quietest of all, but before the search window
      { ms: 1490, p: 0.9 },
      { ms: 10, p: 0.6, amplitude: 100 }, // a breath between two words, inside the window
      { ms: 2490, p: 0.9 },
      { ms: 1000, p: 0 },
    ]);

    expect(utterances(outputs)).toEqual([
      { segmentId: 0, startMs: 0, endMs: 3505 },
      { segmentId: 1, startMs: 3505, endMs: 6100 },
    ]);
    // The rest of the speech is announced at once, at the cut.
    expect(starts(outputs)).toEqual([
      { segmentId: 0, startMs: 0 },
      { segmentId: 1, startMs: 3505 },
    ]);
  });

  it('cuts at the limit at the latest when the speech has no quieter frame', () => {
    const sut = new UtteranceCutter({
      ...TRAIL_100,
      maxUtteranceMs: 3000,
      cutSearchMs: 1000,
      preRollMs: 0,
    });

    const { outputs } = feed(sut, [{ ms: 7000, p: 0.9 }], true);

    for (const u of utterances(outputs)) expect(u.endMs - u.startMs).toBeLessThanOrEqual(3000);
    expect(utterances(outputs).map((u) => u.segmentId)).toEqual([0, 1, 2]);
    expect(utterances(outputs).at(-1)?.endMs).toBe(7000);
  });

  it('flushes the utterance in progress, and drops one too short to send', () => {
    const long = new UtteranceCutter(TRAIL_100);
    expect(
      utterances(
        feed(
          long,
          [
            { ms: 500, p: 0 },
            { ms: 800, p: 0.9 },
          ],
          true,
        ).outputs,
      ),
    ).toEqual([{ segmentId: 0, startMs: 200, endMs: 1300 }]);

    const short = new UtteranceCutter(TRAIL_100);
    expect(
      feed(
        short,
        [
          { ms: 500, p: 0 },
          { ms: 100, p: 0.9 },
        ],
        true,
      ).outputs,
    ).toEqual([]);
  });

  it('keeps the time line exact in samples whatever the frame length', () => {
    const sut = new UtteranceCutter({ ...TRAIL_100, preRollMs: 0 });
    const outputs: SegmenterOutput[] = [];
    const lengths = [333, 17, 512, 1000, 7];
    let pushed = 0;
    for (let i = 0; pushed < 16000 * 3; i++) {
      const n = lengths[i % lengths.length];
      const speech = pushed >= 16000 && pushed < 32000;
      outputs.push(...sut.push(new Int16Array(n).fill(speech ? LOUD : 0), speech ? 0.9 : 0));
      pushed += n;
    }
    outputs.push(...sut.flush());

    const [u] = outputs.flatMap((o) => (o.type === 'utterance' ? [o.utterance] : []));
    expect(u.samples.length).toBe((u.endMs - u.startMs) * SAMPLES_PER_MS);
    expect(u.samples[0]).toBe(LOUD);
    expect(sut.positionSamples).toBe(pushed);
  });
});

describe(resolveVadSettings.name, () => {
  it('fills in the defaults', () => {
    expect(resolveVadSettings({ minSilenceMs: 700 })).toMatchObject({
      startThreshold: 0.5,
      endThreshold: 0.35,
      preRollMs: 300,
      minSilenceMs: 700,
      maxUtteranceMs: 15_000,
      minSpeechMs: 250,
      energyFloorDbfs: -55,
    });
  });

  it('names every bad field', () => {
    expect(() => resolveVadSettings({ endThreshold: 0.9, preRollMs: -1 })).toThrow(
      InvalidVadSettingsError,
    );
    expect(() => resolveVadSettings({ endThreshold: 0.9, preRollMs: -1 })).toThrow(
      /endThreshold.*preRollMs/,
    );
  });
});

describe(`${UtteranceCutter.name}: speech measures`, () => {
  it('tells how much of an utterance was speech and where the speech ended', () => {
    const sut = new UtteranceCutter(TRAIL_100);
    const { outputs } = feed(sut, [
      { ms: 1000, p: 0 },
      { ms: 600, p: 0.9 },
      { ms: 200, p: 0.4 }, // between the thresholds: still speech
      { ms: 400, p: 0.9 },
      { ms: 1000, p: 0 },
    ]);
    const [u] = outputs.flatMap((o) => (o.type === 'utterance' ? [o.utterance] : []));
    expect(u).toMatchObject({ startMs: 700, endMs: 2300, speechEndMs: 2200, speechMs: 1200 });
  });

  it('shows the confirmed utterance in progress, and nothing before or after it', () => {
    const sut = new UtteranceCutter(TRAIL_100);
    feed(sut, [
      { ms: 1000, p: 0 },
      { ms: 100, p: 0.9 },
    ]);
    expect(sut.current()).toBeNull(); // not yet minSpeechMs of speech
    feed(sut, [{ ms: 900, p: 0.9 }]);
    const current = sut.current();
    expect(current).toMatchObject({ segmentId: 0, startMs: 700, endMs: 2000, speechMs: 1000 });
    expect(current?.samples.length).toBe(1300 * SAMPLES_PER_MS);
    feed(sut, [{ ms: 1000, p: 0 }]);
    expect(sut.current()).toBeNull();
  });
});
