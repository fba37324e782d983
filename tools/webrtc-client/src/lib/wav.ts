/** A decoded PCM16 WAV file. `samples` are interleaved when `channels` > 1. */
export interface WavData {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  samples: Int16Array;
}

const WAVE_FORMAT_PCM = 0x0001;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;
/** Streaming writers put this in the RIFF / data size when they do not know the length. */
const UNKNOWN_SIZE = 0xffffffff;

/**
 * Reads a RIFF/WAVE file holding 16-bit PCM (plain or WAVE_FORMAT_EXTENSIBLE with the PCM
 * sub-format). Walks the chunk list properly (skips LIST, fact, ... and honours the pad byte
 * of odd-sized chunks). Throws an Error naming the problem for anything else.
 */
export function readWav(buf: Buffer): WavData {
  if (buf.length < 12 || buf.toString('ascii', 0, 4) !== 'RIFF') {
    throw new Error('not a WAV file: missing "RIFF" header');
  }
  if (buf.toString('ascii', 8, 12) !== 'WAVE') {
    throw new Error('not a WAV file: RIFF type is not "WAVE"');
  }
  let fmt:
    | { format: number; channels: number; sampleRate: number; blockAlign: number; bits: number }
    | undefined;
  let offset = 12;
  while (offset + 8 <= buf.length) {
    const id = buf.toString('ascii', offset, offset + 4);
    const declared = buf.readUInt32LE(offset + 4);
    const bodyStart = offset + 8;
    if (id === 'fmt ') {
      if (declared < 16 || bodyStart + declared > buf.length) {
        throw new Error(`bad WAV: "fmt " chunk of ${declared} bytes`);
      }
      let format = buf.readUInt16LE(bodyStart);
      if (format === WAVE_FORMAT_EXTENSIBLE && declared >= 40) {
        // The sub-format GUID starts with the format code.
        format = buf.readUInt16LE(bodyStart + 24);
      }
      fmt = {
        format,
        channels: buf.readUInt16LE(bodyStart + 2),
        sampleRate: buf.readUInt32LE(bodyStart + 4),
        blockAlign: buf.readUInt16LE(bodyStart + 12),
        bits: buf.readUInt16LE(bodyStart + 14),
      };
      if (fmt.format !== WAVE_FORMAT_PCM) {
        throw new Error(`unsupported WAV encoding: format code ${fmt.format} (only PCM16 is read)`);
      }
      if (fmt.bits !== 16) {
        throw new Error(`unsupported WAV sample size: ${fmt.bits} bits (only PCM16 is read)`);
      }
      if (fmt.channels < 1 || fmt.sampleRate < 1 || fmt.blockAlign !== fmt.channels * 2) {
        throw new Error(
          `bad WAV "fmt " chunk: ${fmt.channels} channels, ${fmt.sampleRate} Hz, block align ${fmt.blockAlign}`,
        );
      }
    } else if (id === 'data') {
      if (!fmt) {
        throw new Error('bad WAV: "data" chunk before "fmt " chunk');
      }
      const available = buf.length - bodyStart;
      if (declared !== UNKNOWN_SIZE && declared > available) {
        throw new Error(`truncated WAV: "data" says ${declared} bytes, ${available} present`);
      }
      const size = declared === UNKNOWN_SIZE ? available : declared;
      const frames = Math.floor(size / fmt.blockAlign);
      const samples = new Int16Array(frames * fmt.channels);
      for (let i = 0; i < samples.length; i++) {
        samples[i] = buf.readInt16LE(bodyStart + i * 2);
      }
      return {
        sampleRate: fmt.sampleRate,
        channels: fmt.channels,
        bitsPerSample: fmt.bits,
        samples,
      };
    }
    if (declared === UNKNOWN_SIZE) {
      break;
    }
    offset = bodyStart + declared + (declared % 2);
  }
  throw new Error(fmt ? 'bad WAV: no "data" chunk' : 'bad WAV: no "fmt " chunk');
}

/** Writes a canonical 44-byte-header PCM16 WAV file (interleaved samples if `channels` > 1). */
export function writeWav(samples: Int16Array, sampleRate: number, channels = 1): Buffer {
  if (!Number.isInteger(sampleRate) || sampleRate < 1) {
    throw new Error(`bad sample rate ${sampleRate}`);
  }
  if (!Number.isInteger(channels) || channels < 1 || samples.length % channels !== 0) {
    throw new Error(`bad channel count ${channels} for ${samples.length} samples`);
  }
  const dataBytes = samples.length * 2;
  const buf = Buffer.alloc(44 + dataBytes);
  buf.write('RIFF', 0, 'ascii');
  buf.writeUInt32LE(36 + dataBytes, 4);
  buf.write('WAVE', 8, 'ascii');
  buf.write('fmt ', 12, 'ascii');
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(WAVE_FORMAT_PCM, 20);
  buf.writeUInt16LE(channels, 22);
  buf.writeUInt32LE(sampleRate, 24);
  buf.writeUInt32LE(sampleRate * channels * 2, 28);
  buf.writeUInt16LE(channels * 2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36, 'ascii');
  buf.writeUInt32LE(dataBytes, 40);
  for (let i = 0; i < samples.length; i++) {
    buf.writeInt16LE(samples[i], 44 + i * 2);
  }
  return buf;
}

/** Duration of a decoded WAV in milliseconds. */
export function wavDurationMs(wav: WavData): number {
  return (wav.samples.length / wav.channels / wav.sampleRate) * 1000;
}

/** Averages interleaved channels into one (returns the input itself when already mono). */
export function toMono(samples: Int16Array, channels: number): Int16Array {
  if (channels === 1) {
    return samples;
  }
  const out = new Int16Array(Math.floor(samples.length / channels));
  for (let i = 0; i < out.length; i++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) {
      sum += samples[i * channels + c];
    }
    out[i] = Math.round(sum / channels);
  }
  return out;
}

/** Returns `samples` preceded by `ms` of digital silence. */
export function prependSilence(samples: Int16Array, ms: number, sampleRate: number): Int16Array {
  const pad = Math.round((ms * sampleRate) / 1000);
  const out = new Int16Array(pad + samples.length);
  out.set(samples, pad);
  return out;
}
