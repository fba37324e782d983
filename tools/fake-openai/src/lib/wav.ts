/** What the fake server learned about an uploaded WAV file. */
export interface WavFacts {
  /** WAVE format code (1 = PCM; the sub-format's code for WAVE_FORMAT_EXTENSIBLE). */
  format: number;
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  /** Length of the audio, from the data chunk. */
  durationMs: number;
  /** Offset and length of the sample data in the file. */
  dataOffset: number;
  dataBytes: number;
}

export type WavCheck =
  { ok: true; facts: WavFacts } | { ok: false; reason: string; facts: WavFacts | null };

const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

/** Parses a RIFF/WAVE header (walking the chunks) without judging the format. */
export function inspectWav(buf: Buffer): WavFacts | string {
  if (
    buf.length < 12 ||
    buf.toString('ascii', 0, 4) !== 'RIFF' ||
    buf.toString('ascii', 8, 12) !== 'WAVE'
  ) {
    return 'the file is not a RIFF/WAVE file';
  }
  let fmt: Omit<WavFacts, 'durationMs' | 'dataOffset' | 'dataBytes'> | null = null;
  let offset = 12;
  while (offset + 8 <= buf.length) {
    const id = buf.toString('ascii', offset, offset + 4);
    const size = buf.readUInt32LE(offset + 4);
    const body = offset + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > buf.length) {
        return 'the WAV "fmt " chunk is too short';
      }
      let format = buf.readUInt16LE(body);
      if (format === WAVE_FORMAT_EXTENSIBLE && size >= 40 && body + 26 <= buf.length) {
        format = buf.readUInt16LE(body + 24);
      }
      fmt = {
        format,
        channels: buf.readUInt16LE(body + 2),
        sampleRate: buf.readUInt32LE(body + 4),
        bitsPerSample: buf.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      if (!fmt) {
        return 'the WAV "data" chunk comes before its "fmt " chunk';
      }
      const dataBytes = Math.min(size, buf.length - body);
      const bytesPerSecond = fmt.sampleRate * fmt.channels * (fmt.bitsPerSample / 8);
      return {
        ...fmt,
        dataOffset: body,
        dataBytes,
        durationMs: bytesPerSecond > 0 ? Math.round((dataBytes / bytesPerSecond) * 1000) : 0,
      };
    }
    offset = body + size + (size % 2);
  }
  return fmt ? 'the WAV file has no "data" chunk' : 'the WAV file has no "fmt " chunk';
}

/** Accepts only what the fake's recognizers take: PCM16, 16 kHz, mono. */
export function checkWav(buf: Buffer): WavCheck {
  const facts = inspectWav(buf);
  if (typeof facts === 'string') {
    return { ok: false, reason: facts, facts: null };
  }
  const problems: string[] = [];
  if (facts.format !== WAVE_FORMAT_PCM) {
    problems.push(`format code ${facts.format} is not PCM`);
  }
  if (facts.bitsPerSample !== 16) {
    problems.push(`${facts.bitsPerSample}-bit samples`);
  }
  if (facts.sampleRate !== 16000) {
    problems.push(`${facts.sampleRate} Hz`);
  }
  if (facts.channels !== 1) {
    problems.push(`${facts.channels} channels`);
  }
  if (problems.length > 0) {
    return {
      ok: false,
      reason: `expected a 16 kHz mono PCM16 WAV file, got ${problems.join(', ')}`,
      facts,
    };
  }
  return { ok: true, facts };
}

/** Builds a PCM16 WAV file (interleaved samples when `channels` > 1). */
export function buildWav(samples: Int16Array, sampleRate: number, channels = 1): Buffer {
  const dataBytes = samples.length * 2;
  const buf = Buffer.alloc(44 + dataBytes);
  buf.write('RIFF', 0, 'ascii');
  buf.writeUInt32LE(36 + dataBytes, 4);
  buf.write('WAVEfmt ', 8, 'ascii');
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(WAVE_FORMAT_PCM, 20);
  buf.writeUInt16LE(channels, 22);
  buf.writeUInt32LE(sampleRate, 24);
  buf.writeUInt32LE(sampleRate * channels * 2, 28);
  buf.writeUInt16LE(channels * 2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36, 'ascii');
  buf.writeUInt32LE(dataBytes, 40);
  samples.forEach((s, i) => buf.writeInt16LE(s, 44 + i * 2));
  return buf;
}
