import {
  appendSilence,
  cutSpan,
  planClip,
  speechMs,
  voicedExtent,
  withVoicedEnds,
  type Manifest,
} from './fixtures';

const MANIFEST: Manifest = {
  clips: [
    { file: 'one.wav', seconds: 2.5, text: 'go forward' },
    { file: 'noise.wav', seconds: 5, text: '' },
    {
      file: 'two.wav',
      seconds: 6,
      text: 'a b c d',
      utterances: [
        { startSec: 1, endSec: 2.2, text: 'a b' },
        { startSec: 3.5, endSec: 5, text: 'c d' },
      ],
    },
  ],
};

describe(planClip.name, () => {
  it('makes a single clip one utterance over the whole clip, padded with silence after it', () => {
    const sut = planClip(MANIFEST, 'one.wav', 1000);
    expect(sut).toEqual({
      file: 'one.wav',
      reference: 'go forward',
      utterances: [{ startMs: 0, endMs: 2500, text: 'go forward' }],
      padAfterMs: 1000,
    });
  });

  it('keeps a multi-utterance clip as it is, with the manifest times', () => {
    const sut = planClip(MANIFEST, 'two.wav', 1000);
    expect(sut.padAfterMs).toBe(0);
    expect(sut.utterances.map((u) => [u.startMs, u.endMs])).toEqual([
      [1000, 2200],
      [3500, 5000],
    ]);
    expect(speechMs(sut)).toBe(2700);
  });

  it('gives noise no speech', () => {
    expect(planClip(MANIFEST, 'noise.wav').utterances).toEqual([]);
  });

  it('names a fixture that is not in the manifest', () => {
    expect(() => planClip(MANIFEST, 'missing.wav')).toThrow('missing.wav');
  });
});

describe(appendSilence.name, () => {
  it('appends zeros for the given time', () => {
    const sut = appendSilence(Int16Array.from([1, 2]), 1, 16000);
    expect(sut.length).toBe(18);
    expect(Array.from(sut.subarray(0, 3))).toEqual([1, 2, 0]);
  });
});

describe(cutSpan.name, () => {
  it('cuts by time and clamps to the audio', () => {
    const samples = Int16Array.from({ length: 1000 }, (_, i) => i);
    expect(Array.from(cutSpan(samples, 1000, 10, 13))).toEqual([10, 11, 12]);
    expect(cutSpan(samples, 1000, 990, 2000).length).toBe(10);
  });
});

/** 1 kHz: tone (±1000) from `onMs` to `offMs`, silence elsewhere, `totalMs` long. */
function toneClip(totalMs: number, onMs: number, offMs: number): Int16Array {
  return Int16Array.from({ length: totalMs }, (_, ms) =>
    ms >= onMs && ms < offMs ? (ms % 2 ? 1000 : -1000) : 0,
  );
}

describe(voicedExtent.name, () => {
  it('finds the voice inside a span to the 20 ms window', () => {
    const samples = toneClip(3000, 400, 2200);
    expect(voicedExtent(samples, 1000, 0, 3000)).toEqual({ startMs: 400, endMs: 2200 });
    expect(voicedExtent(samples, 1000, 1000, 3000)).toEqual({ startMs: 1000, endMs: 2200 });
  });

  it('says null for a silent span', () => {
    expect(voicedExtent(new Int16Array(500), 1000, 0, 500)).toBeNull();
  });
});

describe(withVoicedEnds.name, () => {
  it('puts the last voiced frame of each utterance in the plan', () => {
    const sut = withVoicedEnds(planClip(MANIFEST, 'one.wav'), toneClip(2500, 100, 2140), 1000);
    expect(sut.utterances[0].voicedEndMs).toBe(2140);
  });
});
