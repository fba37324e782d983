/**
 * @jest-environment ./src/app/audio-pipeline/vad/testing/onnx-test-environment.ts
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { SAMPLES_PER_MS } from '../opus-decode.stage';
import type { SegmenterOutput, Utterance } from '../segmenter';
import { frameEnergyDbfs } from './utterance-cutter';
import { VadModel, type FrameScorer } from './vad-model';
import { VadSegmenter } from './vad-segmenter';
import type { VadSettings } from './vad-settings';

const FIXTURES = resolve(__dirname, '../../../../../../fixtures/audio');

interface ManifestClip {
  file: string;
  seconds: number;
  text: string;
  utterances?: { startSec: number; endSec: number; text: string }[];
}

const manifest = JSON.parse(readFileSync(resolve(FIXTURES, 'manifest.json'), 'utf8')) as {
  clips: ManifestClip[];
};

function manifestClip(predicate: (clip: ManifestClip) => boolean): ManifestClip {
  const clip = manifest.clips.find(predicate);
  if (!clip) throw new Error('clip not in the manifest');
  return clip;
}

/** The samples of a fixture (PCM16 mono 16 kHz WAV). */
function fixture(file: string): Int16Array {
  const bytes = readFileSync(resolve(FIXTURES, file));
  let offset = 12;
  while (offset + 8 <= bytes.length && bytes.toString('ascii', offset, offset + 4) !== 'data') {
    offset += 8 + bytes.readUInt32LE(offset + 4);
  }
  const size = bytes.readUInt32LE(offset + 4);
  return new Int16Array(
    bytes.buffer.slice(bytes.byteOffset + offset + 8, bytes.byteOffset + offset + 8 + size),
  );
}

/** A VAD segmenter whose outputs (and model failures) are collected, in the order delivered. */
function vad(
  scorer: FrameScorer,
  settings: Partial<VadSettings> = {},
): { sut: VadSegmenter; out: SegmenterOutput[]; errors: unknown[] } {
  const out: SegmenterOutput[] = [];
  const errors: unknown[] = [];
  const sut = new VadSegmenter(scorer, (outputs) => out.push(...outputs), {
    settings,
    onError: (error) => errors.push(error),
  });
  return { sut, out, errors };
}

/**
 * Feeds the clip in 20 ms packets, as the Opus stage does, without awaiting between them, then
 * flushes: every output, in the order delivered.
 */
async function segment(
  scorer: FrameScorer,
  samples: Int16Array,
  settings: Partial<VadSettings> = {},
): Promise<{ sut: VadSegmenter; outputs: SegmenterOutput[] }> {
  const { sut, out, errors } = vad(scorer, settings);
  const step = 20 * SAMPLES_PER_MS;
  for (let i = 0; i < samples.length; i += step) sut.push(samples.subarray(i, i + step));
  await sut.flush();
  expect(errors).toEqual([]);
  return { sut, outputs: out };
}

/**
 * Where a clip is audible (32 ms frames above -40 dBFS), in ms from its start. The manifest's
 * times are clip boundaries, and the clips carry their own silent lead-in and tail (goforward.wav:
 * about 480 ms and 420 ms), which no VAD should call speech.
 */
function audibleSpanMs(samples: Int16Array): { fromMs: number; toMs: number } {
  const frame = 512;
  let first = -1;
  let last = -1;
  for (let i = 0; i + frame <= samples.length; i += frame) {
    if (frameEnergyDbfs(samples.subarray(i, i + frame)) > -40) {
      if (first < 0) first = i;
      last = i + frame;
    }
  }
  return { fromMs: first / SAMPLES_PER_MS, toMs: last / SAMPLES_PER_MS };
}

function utterances(outputs: SegmenterOutput[]): Utterance[] {
  return outputs.flatMap((o) => (o.type === 'utterance' ? [o.utterance] : []));
}

describe(VadSegmenter.name, () => {
  let model: VadModel;

  beforeAll(async () => {
    model = await VadModel.load();
  });

  it('loads the model once per process and shares it', async () => {
    expect(await VadModel.load()).toBe(model);
  });

  it('finds the three utterances of conversation.wav at their times', async () => {
    const samples = fixture('conversation.wav');
    const started = process.cpuUsage();
    const { sut, outputs } = await segment(model.createScorer(), samples);
    const cpu = process.cpuUsage(started);
    const found = utterances(outputs);
    const expected = (manifestClip((c) => c.file === 'conversation.wav').utterances ?? []).map(
      (u) => {
        // Where the speech really is: the manifest's start plus the source clip's own audible span.
        const source = manifestClip((c) => c.text === u.text);
        const span = audibleSpanMs(fixture(source.file));
        return { fromMs: u.startSec * 1000 + span.fromMs, toMs: u.startSec * 1000 + span.toMs };
      },
    );
    const preRollMs = sut.settings.preRollMs;

    const audioSec = samples.length / SAMPLES_PER_MS / 1000;
    const cpuMsPerSec = (cpu.user + cpu.system) / 1000 / audioSec;
    const stats = sut.stats;
    process.stdout.write(
      `VAD real-time factor: ${cpuMsPerSec.toFixed(1)} ms CPU per s of audio ` +
        `(RTF ${(cpuMsPerSec / 1000).toFixed(4)}; model ${(stats.modelMs / audioSec).toFixed(1)} ms/s; ` +
        `${stats.gatedFrames}/${stats.frames} frames gated; conversation.wav ${audioSec.toFixed(2)} s)\n` +
        found.map((u) => `  #${u.segmentId} ${u.startMs}-${u.endMs} ms\n`).join(''),
    );

    expect(found.map((u) => u.segmentId)).toEqual([0, 1, 2]);
    expect(found).toHaveLength(expected.length);
    found.forEach((u, i) => {
      // An utterance starts preRollMs before its first speech frame on purpose (less when the
      // previous utterance ended closer): take the pre-roll off before comparing the start with
      // the speech onset. The end keeps trailMs of the pause: take that off too.
      const onsetMs = u.startMs + Math.min(preRollMs, u.startMs - (found[i - 1]?.endMs ?? 0));
      expect(Math.abs(onsetMs - expected[i].fromMs)).toBeLessThanOrEqual(300);
      expect(Math.abs(u.endMs - sut.settings.trailMs - expected[i].toMs)).toBeLessThanOrEqual(300);
      expect(u.samples.length).toBe((u.endMs - u.startMs) * SAMPLES_PER_MS);
    });
    // Each speech-start comes before its utterance, with the same id and start.
    const starts = outputs.flatMap((o) => (o.type === 'speech-start' ? [o] : []));
    expect(starts.map((s) => [s.segmentId, s.startMs])).toEqual(
      found.map((u) => [u.segmentId, u.startMs]),
    );
  });

  it('finds no speech in noise.wav', async () => {
    expect((await segment(model.createScorer(), fixture('noise.wav'))).outputs).toEqual([]);
  });

  it('cuts a long unbroken utterance under the length limit', async () => {
    // The clip's own silent lead-in and tail would make a pause at the seam: trim them.
    const whole = fixture('librivox-0870.wav');
    const span = audibleSpanMs(whole);
    const clip = whole.subarray(span.fromMs * SAMPLES_PER_MS, span.toMs * SAMPLES_PER_MS);
    const twice = new Int16Array(clip.length * 2);
    twice.set(clip);
    twice.set(clip, clip.length);
    const { outputs } = await segment(model.createScorer(), twice, { maxUtteranceMs: 8000 });
    const found = utterances(outputs);

    process.stdout.write(
      `long utterance cut: ${found.map((u) => `${u.startMs}-${u.endMs}`).join(', ')} ms\n`,
    );
    for (const u of found) expect(u.endMs - u.startMs).toBeLessThanOrEqual(8000);
    // At least one cut came from the limit: the speech went on as the next segment at once.
    const forced = found.filter((u, i) => i > 0 && u.startMs === found[i - 1].endMs);
    expect(forced.length).toBeGreaterThanOrEqual(1);
    const covered = found.reduce((ms, u) => ms + u.endMs - u.startMs, 0);
    expect(covered).toBeGreaterThan(0.8 * (twice.length / SAMPLES_PER_MS));
  });

  it('delivers in order whether or not the caller waits between pushes', async () => {
    const samples = fixture('conversation.wav');
    const { sut, out } = vad(model.createScorer());
    const step = 20 * SAMPLES_PER_MS;
    for (let i = 0; i < samples.length; i += step) {
      sut.push(samples.subarray(i, i + step));
      if (i % (50 * step) === 0) await new Promise((resolve) => setImmediate(resolve));
    }
    await sut.flush();

    const reference = await segment(model.createScorer(), samples);
    expect(out).toEqual(reference.outputs);
  });

  it('scores many streams in shared batches with the same cuts as one stream alone', async () => {
    const samples = fixture('conversation.wav');
    const reference = utterances((await segment(model.createScorer(), samples)).outputs);
    const before = model.batchStats;
    // Three streams at once, their frames batched within 5 ms windows.
    const found = await Promise.all(
      [0, 1, 2].map(async () =>
        utterances((await segment(model.createScorer(1536, 5), samples)).outputs),
      ),
    );
    for (const cuts of found) {
      expect(cuts.map((u) => [u.segmentId, u.startMs, u.endMs])).toEqual(
        reference.map((u) => [u.segmentId, u.startMs, u.endMs]),
      );
    }
    const after = model.batchStats;
    const frames = after.frames - before.frames;
    const batches = after.batches - before.batches;
    expect(frames).toBeGreaterThan(0);
    expect(batches).toBeLessThan(frames); // frames of different streams shared runs
  });
});

/** Scores a frame by its loudness, and counts what it was asked. */
class FakeScorer implements FrameScorer {
  readonly frameSamples = 512;
  scored = 0;
  skipped = 0;
  failWith: Error | null = null;

  score(frame: Int16Array): Promise<number> {
    this.scored++;
    if (this.failWith) return Promise.reject(this.failWith);
    return Promise.resolve(Math.abs(frame[0]) > 1000 ? 0.9 : 0.1);
  }

  skip(): void {
    this.skipped++;
  }

  reset(): void {
    // no state
  }
}

function tone(ms: number, amplitude: number): Int16Array {
  return new Int16Array(ms * SAMPLES_PER_MS).fill(amplitude);
}

describe(`${VadSegmenter.name} without the model`, () => {
  it('scores frames under the energy floor 0 without running the model', async () => {
    const scorer = new FakeScorer();
    const { sut, out: outputs } = vad(scorer);

    sut.push(tone(1024, 0));
    sut.push(tone(1024, 3000));
    sut.push(tone(1024, 0));
    await sut.flush();

    expect(scorer.scored).toBe(32); // the loud second only
    expect(scorer.skipped).toBe(64);
    expect(sut.stats).toMatchObject({ frames: 96, gatedFrames: 64 });
    // Pre-roll 300 ms before the speech at 1024, trail 300 ms after it ended at 2048.
    expect(utterances(outputs).map((u) => [u.startMs, u.endMs])).toEqual([[724, 2348]]);
  });

  it('scores the last partial frame on flush and keeps its true length', async () => {
    const { sut, out: outputs } = vad(new FakeScorer(), { preRollMs: 0 });

    sut.push(tone(1000, 0));
    sut.push(tone(1001, 3000)); // ends 2001 ms: not a whole number of 512-sample frames
    await sut.flush();

    expect(utterances(outputs).map((u) => [u.startMs, u.endMs])).toEqual([[1024, 2001]]);
  });

  it('hands a model failure to onError once, and delivers nothing more', async () => {
    const scorer = new FakeScorer();
    const { sut, out, errors } = vad(scorer);

    const failure = new Error('model failed');
    scorer.failWith = failure;
    sut.push(tone(100, 3000));
    await sut.flush();
    scorer.failWith = null;
    sut.push(tone(1000, 3000));
    await sut.flush();

    expect(errors).toEqual([failure]);
    expect(scorer.scored).toBe(1);
    expect(out).toEqual([]);
  });
});
