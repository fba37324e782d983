import { EngineRejectedError } from '../engine';

export const WHISPER_SAMPLE_RATE = 16_000;

export interface Pcm16 {
  /** The samples alone, in an ArrayBuffer of their own (what the binding takes). */
  samples: ArrayBuffer;
  durationMs: number;
}

/**
 * The PCM samples of a 16 kHz mono 16-bit WAV, found by walking its RIFF chunks (so a LIST
 * chunk before `data` is no problem). Anything else is refused: whisper.cpp wants exactly this.
 */
export function pcm16FromWav(wav: Buffer): Pcm16 {
  const refuse = (why: string) =>
    new EngineRejectedError(`the local Whisper engine needs a 16 kHz mono 16-bit PCM WAV: ${why}`);
  if (
    wav.length < 12 ||
    wav.toString('ascii', 0, 4) !== 'RIFF' ||
    wav.toString('ascii', 8, 12) !== 'WAVE'
  ) {
    throw refuse('this is not a RIFF/WAVE file');
  }
  let format: { audioFormat: number; channels: number; rate: number; bits: number } | undefined;
  let offset = 12;
  while (offset + 8 <= wav.length) {
    const id = wav.toString('ascii', offset, offset + 4);
    const size = wav.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ' && body + 16 <= wav.length) {
      format = {
        audioFormat: wav.readUInt16LE(body),
        channels: wav.readUInt16LE(body + 2),
        rate: wav.readUInt32LE(body + 4),
        bits: wav.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      if (!format) throw refuse('the data chunk comes before the fmt chunk');
      if (format.audioFormat !== 1 || format.bits !== 16)
        throw refuse('the samples are not 16-bit PCM');
      if (format.channels !== 1) throw refuse(`it has ${format.channels} channels`);
      if (format.rate !== WHISPER_SAMPLE_RATE) throw refuse(`it is sampled at ${format.rate} Hz`);
      // A streamed WAV may claim more data than it has; an odd byte is half a sample.
      const available = Math.min(size, wav.length - body);
      const length = available - (available % 2);
      const samples = new ArrayBuffer(length);
      new Uint8Array(samples).set(wav.subarray(body, body + length));
      return { samples, durationMs: (length / 2 / WHISPER_SAMPLE_RATE) * 1000 };
    }
    offset = body + size + (size % 2);
  }
  throw refuse('it has no data chunk');
}
