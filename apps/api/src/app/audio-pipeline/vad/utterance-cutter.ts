import { SAMPLES_PER_MS } from '../opus-decode.stage';
import type { SegmenterOutput, Utterance } from '../segmenter';
import { resolveVadSettings, type VadSettings } from './vad-settings';

/** RMS level of a frame in dBFS (full scale = 32768); silence is -120. */
export function frameEnergyDbfs(samples: Int16Array): number {
  if (samples.length === 0) return -120;
  let sum = 0;
  for (let i = 0; i < samples.length; i++) sum += samples[i] * samples[i];
  const meanSquare = sum / samples.length;
  return meanSquare === 0 ? -120 : Math.max(-120, 10 * Math.log10(meanSquare / (32768 * 32768)));
}

interface Frame {
  /** Index of the frame's first sample, counted from the stream's first sample. */
  start: number;
  samples: Int16Array;
  probability: number;
  energyDb: number;
}

/** How much a 0 -> 1 swing of speech probability weighs against energy when picking a cut. */
const PROBABILITY_WEIGHT_DB = 20;

/**
 * The pure decision core of the VAD segmenter: frames of audio, each with its speech
 * probability, in; `speech-start` and `utterance` outputs out. No model, no I/O, no clock:
 * times are counted in samples (16 kHz) from the first sample pushed, so they stay exact.
 *
 * - Speech starts at a frame whose probability reaches `startThreshold`; the utterance begins
 *   `preRollMs` earlier (never before the previous utterance's end).
 * - Inside speech, a frame below `endThreshold` starts a pause, a frame at or above
 *   `startThreshold` ends it (hysteresis: in between, nothing changes). A pause of
 *   `minSilenceMs` ends the utterance, which keeps `trailMs` of the pause.
 * - `speech-start` is emitted once the speech (pre-roll and pause excluded) lasts `minSpeechMs`;
 *   shorter bursts are dropped without a trace, so every `speech-start` gets its `utterance`
 *   and segment ids rise from 0 without gaps.
 * - An utterance reaching `maxUtteranceMs` is cut at the quietest frame (lowest energy, with
 *   probability as a penalty) of the last `cutSearchMs` before the limit, in the frame's
 *   middle; the speech goes on as the next segment at once.
 */
export class UtteranceCutter {
  readonly settings: VadSettings;
  readonly #preRoll: number;
  readonly #minSilence: number;
  readonly #trail: number;
  readonly #max: number;
  readonly #search: number;
  readonly #minSpeech: number;

  #position = 0;
  #nextId = 0;
  /** Recent frames while idle, at least `preRollMs` of them. */
  #recent: Frame[] = [];
  /** The current utterance's frames (pre-roll first), or null when idle. */
  #frames: Frame[] | null = null;
  #speechStart = 0;
  #pauseStart: number | null = null;
  #segmentId: number | null = null;

  constructor(settings: Partial<VadSettings> = {}) {
    this.settings = resolveVadSettings(settings);
    const samples = (ms: number) => Math.round(ms * SAMPLES_PER_MS);
    this.#preRoll = samples(this.settings.preRollMs);
    this.#minSilence = samples(this.settings.minSilenceMs);
    this.#trail = samples(this.settings.trailMs);
    this.#max = samples(this.settings.maxUtteranceMs);
    this.#search = samples(this.settings.cutSearchMs);
    this.#minSpeech = samples(this.settings.minSpeechMs);
  }

  /** Samples pushed so far. */
  get positionSamples(): number {
    return this.#position;
  }

  get inSpeech(): boolean {
    return this.#frames !== null;
  }

  /** The confirmed utterance in progress (up to the last frame pushed), or null. */
  current(): Utterance | null {
    if (this.#frames === null || this.#segmentId === null) return null;
    const frames = this.#frames;
    return this.#utterance(
      this.#segmentId,
      frames[0].start,
      this.#position,
      concat(frames.map((f) => f.samples)),
      frames,
    ).utterance;
  }

  /**
   * One frame of audio (any length; the VAD uses 512 samples) and its speech probability.
   * `energyDb` may be passed when already known (see `frameEnergyDbfs`).
   */
  push(
    samples: Int16Array,
    probability: number,
    energyDb = frameEnergyDbfs(samples),
  ): SegmenterOutput[] {
    const frame: Frame = { start: this.#position, samples, probability, energyDb };
    this.#position += samples.length;
    const { startThreshold, endThreshold } = this.settings;
    const out: SegmenterOutput[] = [];

    if (this.#frames === null) {
      if (probability < startThreshold) {
        this.#remember(frame);
        return out;
      }
      this.#begin(frame);
    } else {
      this.#frames.push(frame);
      if (probability >= startThreshold) this.#pauseStart = null;
      else if (probability < endThreshold && this.#pauseStart === null)
        this.#pauseStart = frame.start;
    }

    this.#confirm(out);
    if (this.#pauseStart !== null && this.#position - this.#pauseStart >= this.#minSilence) {
      this.#end(Math.min(this.#pauseStart + this.#trail, this.#position), out);
    } else if (this.#position - this.#utteranceStart() >= this.#max) {
      this.#cutLong(out);
    }
    return out;
  }

  /** End of stream: the utterance in progress, if it is long enough. The time line goes on. */
  flush(): SegmenterOutput[] {
    const out: SegmenterOutput[] = [];
    if (this.#frames !== null) {
      const end =
        this.#pauseStart === null
          ? this.#position
          : Math.min(this.#pauseStart + this.#trail, this.#position);
      this.#end(end, out);
    }
    this.#recent = [];
    return out;
  }

  #utteranceStart(): number {
    return this.#frames?.[0].start ?? this.#position;
  }

  #remember(frame: Frame): void {
    this.#recent.push(frame);
    let held = 0;
    for (const f of this.#recent) held += f.samples.length;
    while (this.#recent.length > 1 && held - this.#recent[0].samples.length >= this.#preRoll) {
      held -= this.#recent[0].samples.length;
      this.#recent.shift();
    }
  }

  #begin(trigger: Frame): void {
    const frames: Frame[] = [];
    const preRoll = concat(this.#recent.map((f) => f.samples));
    const keep = Math.min(preRoll.length, this.#preRoll);
    if (keep > 0) {
      const samples = preRoll.slice(preRoll.length - keep);
      frames.push({
        start: trigger.start - keep,
        samples,
        probability: 0,
        energyDb: frameEnergyDbfs(samples),
      });
    }
    frames.push(trigger);
    this.#recent = [];
    this.#frames = frames;
    this.#speechStart = trigger.start;
    this.#pauseStart = null;
    this.#segmentId = null;
  }

  #confirm(out: SegmenterOutput[]): void {
    if (this.#segmentId !== null || this.#frames === null) return;
    const voiced = (this.#pauseStart ?? this.#position) - this.#speechStart;
    if (voiced < this.#minSpeech) return;
    this.#startSegment(this.#frames[0].start, out);
  }

  #startSegment(startSample: number, out: SegmenterOutput[]): void {
    this.#segmentId = this.#nextId++;
    out.push({
      type: 'speech-start',
      segmentId: this.#segmentId,
      startMs: startSample / SAMPLES_PER_MS,
    });
  }

  /** Emits the utterance up to `endSample` (if confirmed); what follows becomes idle history. */
  #end(endSample: number, out: SegmenterOutput[]): void {
    const frames = this.#frames ?? [];
    const [head, rest] = splitFrames(frames, endSample);
    if (this.#segmentId !== null)
      out.push(this.#utterance(this.#segmentId, frames[0].start, endSample, head, frames));
    this.#frames = null;
    this.#pauseStart = null;
    this.#segmentId = null;
    this.#recent = [];
    for (const f of rest) this.#remember(f);
  }

  #cutLong(out: SegmenterOutput[]): void {
    const frames = this.#frames ?? [];
    const start = frames[0].start;
    const limit = start + this.#max;
    let best: Frame | null = null;
    let bestCost = Infinity;
    for (const f of frames) {
      const middle = f.start + (f.samples.length >> 1);
      if (f.start <= start || middle > limit || middle < limit - this.#search) continue;
      const cost = f.energyDb + PROBABILITY_WEIGHT_DB * f.probability;
      if (cost < bestCost) {
        bestCost = cost;
        best = f;
      }
    }
    const cut = best === null ? limit : best.start + (best.samples.length >> 1);
    const [head, rest] = splitFrames(frames, cut);
    if (this.#segmentId === null) this.#startSegment(start, out);
    out.push(this.#utterance(this.#segmentId ?? 0, start, cut, head, frames));
    // The speech goes on: the rest is the next segment, announced at once.
    this.#frames = rest;
    this.#speechStart = Math.max(this.#speechStart, cut);
    if (this.#pauseStart !== null) this.#pauseStart = Math.max(this.#pauseStart, cut);
    this.#startSegment(cut, out);
  }

  /** `frames` may reach past `endSample`; only what lies before it counts as speech. */
  #utterance(
    segmentId: number,
    startSample: number,
    endSample: number,
    samples: Int16Array,
    frames: Frame[],
  ): { type: 'utterance'; utterance: Utterance } {
    let speech = 0;
    let speechEnd = startSample;
    for (const f of frames) {
      if (f.probability < this.settings.endThreshold || f.start >= endSample) continue;
      const end = Math.min(f.start + f.samples.length, endSample);
      speech += end - f.start;
      speechEnd = Math.max(speechEnd, end);
    }
    return {
      type: 'utterance',
      utterance: {
        segmentId,
        startMs: startSample / SAMPLES_PER_MS,
        endMs: endSample / SAMPLES_PER_MS,
        samples,
        speechEndMs: speechEnd / SAMPLES_PER_MS,
        speechMs: speech / SAMPLES_PER_MS,
      },
    };
  }
}

function concat(parts: Int16Array[]): Int16Array {
  let length = 0;
  for (const p of parts) length += p.length;
  const out = new Int16Array(length);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** The samples before `at`, and the frames from `at` on (the frame holding `at` split in two). */
function splitFrames(frames: Frame[], at: number): [Int16Array, Frame[]] {
  const head: Int16Array[] = [];
  const rest: Frame[] = [];
  for (const f of frames) {
    const end = f.start + f.samples.length;
    if (end <= at) head.push(f.samples);
    else if (f.start >= at) rest.push(f);
    else {
      const k = at - f.start;
      head.push(f.samples.subarray(0, k));
      const tail = f.samples.subarray(k);
      rest.push({ ...f, start: at, samples: tail, energyDb: frameEnergyDbfs(tail) });
    }
  }
  return [concat(head), rest];
}
