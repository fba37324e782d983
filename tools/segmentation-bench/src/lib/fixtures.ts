import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { readWav, toMono, type WavData } from '@whisperstream/webrtc-client';

export interface ManifestUtterance {
  startSec: number;
  endSec: number;
  text: string;
}

export interface ManifestClip {
  file: string;
  seconds: number;
  text: string;
  utterances?: ManifestUtterance[];
}

export interface Manifest {
  clips: ManifestClip[];
}

/** A span of speech in the played audio: ms from its first sample. */
export interface SpeechSpan {
  startMs: number;
  endMs: number;
  text: string;
  /**
   * The last voiced 20 ms frame's end inside the span (energy-trimmed): the clips carry some of
   * their own silence, so the manifest's end is the end of the clip, not of the voice.
   */
  voicedEndMs?: number;
}

/** How one fixture is played and what it holds. */
export interface ClipPlan {
  file: string;
  /** The whole clip's reference text ('' for noise). */
  reference: string;
  /** Where the speech is, in the played audio (none for noise). */
  utterances: SpeechSpan[];
  /** Silence appended after the clip so a pause can end the last utterance before the close. */
  padAfterMs: number;
}

/** The speech fixtures of the benchmark, in the order they are played. */
export const ALL_CLIPS = [
  'conversation.wav',
  'librivox-0870.wav',
  'librivox-0880.wav',
  'goforward.wav',
  'cards-005.wav',
  'noise.wav',
] as const;

/** `--quick`: the multi-utterance clip and the noise, enough to see cuts and what noise costs. */
export const QUICK_CLIPS = ['conversation.wav', 'noise.wav'] as const;

/** Silence after a single clip: more than the VAD's default pause (500 ms) plus its frame. */
export const DEFAULT_PAD_AFTER_MS = 1000;

export function readManifest(fixturesDir: string): Manifest {
  const manifest = JSON.parse(readFileSync(resolve(fixturesDir, 'manifest.json'), 'utf8')) as
    Partial<Manifest> | undefined;
  if (!manifest || !Array.isArray(manifest.clips)) {
    throw new Error(`${resolve(fixturesDir, 'manifest.json')} has no "clips" list`);
  }
  return { clips: manifest.clips };
}

/**
 * The plan for one fixture. A clip with `utterances` (conversation.wav) is played as it is (it
 * carries its own pauses) and its speech is those spans; a clip without is one utterance
 * spanning the whole clip, padded with `padAfterMs` of silence; a clip with no reference text
 * (noise) has no speech.
 */
export function planClip(
  manifest: Manifest,
  file: string,
  padAfterMs = DEFAULT_PAD_AFTER_MS,
): ClipPlan {
  const clip = manifest.clips.find((c) => c.file === file);
  if (!clip) {
    throw new Error(`fixture ${file} is not in the manifest`);
  }
  const reference = clip.text.trim();
  if (clip.utterances && clip.utterances.length > 0) {
    return {
      file,
      reference,
      utterances: clip.utterances.map((u) => ({
        startMs: Math.round(u.startSec * 1000),
        endMs: Math.round(u.endSec * 1000),
        text: u.text,
      })),
      padAfterMs: 0,
    };
  }
  return {
    file,
    reference,
    utterances:
      reference === ''
        ? []
        : [{ startMs: 0, endMs: Math.round(clip.seconds * 1000), text: reference }],
    padAfterMs,
  };
}

/** Total speech in a plan, in ms. */
export function speechMs(plan: ClipPlan): number {
  return plan.utterances.reduce((sum, u) => sum + (u.endMs - u.startMs), 0);
}

/** A fixture as 16 kHz-or-whatever mono PCM16. */
export function loadMono(fixturesDir: string, file: string): WavData {
  const wav = readWav(readFileSync(resolve(fixturesDir, file)));
  return { ...wav, channels: 1, samples: toMono(wav.samples, wav.channels) };
}

/** `samples` followed by `ms` of digital silence. */
export function appendSilence(samples: Int16Array, ms: number, sampleRate: number): Int16Array {
  const pad = Math.max(0, Math.round((ms * sampleRate) / 1000));
  const out = new Int16Array(samples.length + pad);
  out.set(samples, 0);
  return out;
}

/** The samples of one span (clamped to the audio). */
export function cutSpan(
  samples: Int16Array,
  sampleRate: number,
  startMs: number,
  endMs: number,
): Int16Array {
  const from = Math.max(0, Math.round((startMs * sampleRate) / 1000));
  const to = Math.min(samples.length, Math.round((endMs * sampleRate) / 1000));
  return samples.slice(from, Math.max(from, to));
}

/** Windows quieter than this fraction of the span's loudest window count as silence. */
export const VOICED_THRESHOLD = 0.05;
const WINDOW_MS = 20;

/**
 * Where the voice is inside a span of a clean recording: the first and last 20 ms windows whose
 * RMS reaches `VOICED_THRESHOLD` of the span's loudest window; null for a silent span.
 */
export function voicedExtent(
  samples: Int16Array,
  sampleRate: number,
  startMs: number,
  endMs: number,
): { startMs: number; endMs: number } | null {
  const span = cutSpan(samples, sampleRate, startMs, endMs);
  const win = Math.max(1, Math.round((WINDOW_MS * sampleRate) / 1000));
  const levels: number[] = [];
  for (let i = 0; i < span.length; i += win) {
    const end = Math.min(span.length, i + win);
    let sum = 0;
    for (let j = i; j < end; j++) {
      sum += span[j] * span[j];
    }
    levels.push(Math.sqrt(sum / (end - i)));
  }
  const loudest = Math.max(0, ...levels);
  if (loudest === 0) {
    return null;
  }
  const voiced = (level: number) => level >= loudest * VOICED_THRESHOLD;
  const first = levels.findIndex(voiced);
  let last = levels.length - 1;
  while (last > first && !voiced(levels[last])) {
    last--;
  }
  const msPerWindow = (win / sampleRate) * 1000;
  return {
    startMs: startMs + first * msPerWindow,
    endMs: Math.min(endMs, startMs + (last + 1) * msPerWindow),
  };
}

/** The plan with each utterance's voiced end measured from the clip's samples. */
export function withVoicedEnds(plan: ClipPlan, samples: Int16Array, sampleRate: number): ClipPlan {
  return {
    ...plan,
    utterances: plan.utterances.map((u) => {
      const voiced = voicedExtent(samples, sampleRate, u.startMs, u.endMs);
      return voiced ? { ...u, voicedEndMs: Math.round(voiced.endMs) } : u;
    }),
  };
}
