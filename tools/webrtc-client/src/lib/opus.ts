import { OpusEncoder } from '@discordjs/opus';

/** Duration of every Opus frame this client sends. */
export const FRAME_MS = 20;
/** RTP clock of Opus (RFC 7587): always 48 kHz, whatever the encoder's input rate. */
export const OPUS_RTP_CLOCK_RATE = 48000;
/** RTP timestamp step per 20 ms frame. */
export const RTP_TIMESTAMP_STEP = (OPUS_RTP_CLOCK_RATE * FRAME_MS) / 1000;

const OPUS_RATES = [8000, 12000, 16000, 24000, 48000];

function samplesPerFrame(sampleRate: number): number {
  if (!OPUS_RATES.includes(sampleRate)) {
    throw new Error(`Opus cannot encode ${sampleRate} Hz; use one of ${OPUS_RATES.join(', ')}`);
  }
  return (sampleRate * FRAME_MS) / 1000;
}

/**
 * Encodes mono PCM16 into 20 ms Opus frames (one encoder for the whole clip, so the frames
 * form one continuous stream). The last frame is zero-padded.
 */
export function encodeOpusFrames(samples: Int16Array, sampleRate = 16000): Buffer[] {
  const perFrame = samplesPerFrame(sampleRate);
  const encoder = new OpusEncoder(sampleRate, 1);
  const frames: Buffer[] = [];
  for (let start = 0; start < samples.length; start += perFrame) {
    const pcm = Buffer.alloc(perFrame * 2);
    const end = Math.min(start + perFrame, samples.length);
    for (let i = start; i < end; i++) {
      pcm.writeInt16LE(samples[i], (i - start) * 2);
    }
    frames.push(encoder.encode(pcm));
  }
  return frames;
}

/** Opus frames of digital silence lasting `ms` (rounded up to whole 20 ms frames). */
export function silenceFrames(ms: number, sampleRate = 16000): Buffer[] {
  const count = Math.ceil(ms / FRAME_MS);
  return encodeOpusFrames(new Int16Array(count * samplesPerFrame(sampleRate)), sampleRate);
}

/** Decodes Opus frames back to mono PCM16 at `sampleRate` (a test and analysis helper). */
export function decodeOpusFrames(frames: Buffer[], sampleRate = 16000): Int16Array {
  const perFrame = samplesPerFrame(sampleRate);
  const decoder = new OpusEncoder(sampleRate, 1);
  const out = new Int16Array(frames.length * perFrame);
  let written = 0;
  for (const frame of frames) {
    const pcm = decoder.decode(frame);
    for (let i = 0; i + 1 < pcm.length && written < out.length; i += 2) {
      out[written++] = pcm.readInt16LE(i);
    }
  }
  return out.subarray(0, written);
}

/** Root mean square of PCM16 samples (0 for none). */
export function rms(samples: Int16Array): number {
  if (samples.length === 0) {
    return 0;
  }
  let sum = 0;
  for (const s of samples) {
    sum += s * s;
  }
  return Math.sqrt(sum / samples.length);
}
