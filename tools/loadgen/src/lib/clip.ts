import { readFileSync } from 'node:fs';
import { encodeOpusFrames, FRAME_MS, readWav, toMono } from '@whisperstream/webrtc-client';

export interface Clip {
  path: string;
  /** 20 ms Opus frames, encoded once. */
  frames: Buffer[];
  durationMs: number;
}

/** Reads a PCM16 WAV (mono or not; 8/12/16/24/48 kHz) and encodes it to Opus once. */
export function loadClip(path: string): Clip {
  const wav = readWav(readFileSync(path));
  const frames = encodeOpusFrames(toMono(wav.samples, wav.channels), wav.sampleRate);
  return { path, frames, durationMs: frames.length * FRAME_MS };
}

/** The clip looped (by reference, no copy) to fill `durationS` seconds of 20 ms frames. */
export function buildProgram(frames: readonly Buffer[], durationS: number): Buffer[] {
  if (frames.length === 0) {
    throw new Error('the clip has no audio frames');
  }
  const count = Math.max(1, Math.ceil((durationS * 1000) / FRAME_MS));
  return Array.from({ length: count }, (_, i) => frames[i % frames.length]);
}

/** When (ms after the start) session `index` starts under a ramp of `ramp` sessions a second. */
export function rampOffsetMs(index: number, ramp: number): number {
  return Number.isFinite(ramp) && ramp > 0 ? (index * 1000) / ramp : 0;
}

/** Session indices 0..sessions-1 dealt round-robin to `workers` workers (at least one share). */
export function shareOut(sessions: number, workers: number): number[][] {
  const shares: number[][] = Array.from({ length: Math.max(1, workers) }, () => []);
  for (let i = 0; i < sessions; i++) {
    shares[i % shares.length].push(i);
  }
  return shares;
}
