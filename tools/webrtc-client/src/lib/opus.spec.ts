import { resolve } from 'node:path';
import { readFileSync } from 'node:fs';
import { OpusEncoder } from '@discordjs/opus';
import { decodeOpusFrames, encodeOpusFrames, rms, silenceFrames } from './opus';
import { readWav } from './wav';

function sine(samples: number, hz: number, amplitude: number, sampleRate = 16000): Int16Array {
  return Int16Array.from({ length: samples }, (_, i) =>
    Math.round(amplitude * Math.sin((2 * Math.PI * hz * i) / sampleRate)),
  );
}

describe('encodeOpusFrames', () => {
  it('makes one 20 ms frame per 320 samples (last one zero-padded) that decode to 640 bytes', () => {
    const samples = sine(16000 + 100, 440, 10000); // 1006.25 ms
    const frames = encodeOpusFrames(samples);
    expect(frames).toHaveLength(51);
    const decoder = new OpusEncoder(16000, 1);
    for (const frame of frames) {
      expect(frame.length).toBeGreaterThan(2);
      expect(decoder.decode(frame).length).toBe(640);
    }
  });

  it('keeps the energy of the signal', () => {
    const samples = sine(16000, 440, 10000);
    const decoded = decodeOpusFrames(encodeOpusFrames(samples));
    expect(decoded).toHaveLength(16000);
    // Skip the codec's start-up; compare the steady state.
    const ratio = rms(decoded.subarray(1600)) / rms(samples.subarray(1600));
    expect(ratio).toBeGreaterThan(0.8);
    expect(ratio).toBeLessThan(1.2);
  });

  it('encodes the speech fixture at about the right level', () => {
    const wav = readWav(
      readFileSync(resolve(__dirname, '../../../../fixtures/audio/goforward.wav')),
    );
    const frames = encodeOpusFrames(wav.samples, wav.sampleRate);
    expect(frames).toHaveLength(Math.ceil(wav.samples.length / 320));
    const ratio = rms(decodeOpusFrames(frames)) / rms(wav.samples);
    expect(ratio).toBeGreaterThan(0.7);
    expect(ratio).toBeLessThan(1.3);
  });

  it('works at 48 kHz and refuses rates Opus does not take', () => {
    expect(encodeOpusFrames(sine(960 * 2, 440, 5000, 48000), 48000)).toHaveLength(2);
    expect(() => encodeOpusFrames(new Int16Array(441), 44100)).toThrow(/cannot encode 44100 Hz/);
  });
});

describe('silenceFrames', () => {
  it('rounds up to whole frames of silence', () => {
    const frames = silenceFrames(1010);
    expect(frames).toHaveLength(51);
    const decoded = decodeOpusFrames(frames);
    expect(decoded).toHaveLength(51 * 320);
    expect(rms(decoded)).toBeLessThan(1);
  });
});
