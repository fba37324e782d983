import { resolve } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { prependSilence, readWav, toMono, wavDurationMs, writeWav } from './wav';

const FIXTURE = resolve(__dirname, '../../../../fixtures/audio/goforward.wav');

/** A hand-built WAV with arbitrary chunks, for the parser's corner cases. */
function riff(chunks: Array<[string, Buffer]>, riffType = 'WAVE'): Buffer {
  const parts = chunks.map(([id, body]) => {
    const header = Buffer.alloc(8);
    header.write(id, 0, 'ascii');
    header.writeUInt32LE(body.length, 4);
    return Buffer.concat([header, body, Buffer.alloc(body.length % 2)]);
  });
  const payload = Buffer.concat(parts);
  const head = Buffer.alloc(12);
  head.write('RIFF', 0, 'ascii');
  head.writeUInt32LE(4 + payload.length, 4);
  head.write(riffType, 8, 'ascii');
  return Buffer.concat([head, payload]);
}

function fmt(format: number, channels: number, rate: number, bits: number): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt16LE(format, 0);
  b.writeUInt16LE(channels, 2);
  b.writeUInt32LE(rate, 4);
  b.writeUInt32LE((rate * channels * bits) / 8, 8);
  b.writeUInt16LE((channels * bits) / 8, 12);
  b.writeUInt16LE(bits, 14);
  return b;
}

function pcm(values: number[]): Buffer {
  const b = Buffer.alloc(values.length * 2);
  values.forEach((v, i) => b.writeInt16LE(v, i * 2));
  return b;
}

describe('writeWav / readWav', () => {
  it('writes the canonical 44-byte header', () => {
    const wav = writeWav(new Int16Array([1, -2, 32767, -32768]), 16000);
    expect(wav.length).toBe(44 + 8);
    expect(wav.toString('ascii', 0, 4)).toBe('RIFF');
    expect(wav.readUInt32LE(4)).toBe(36 + 8);
    expect(wav.toString('ascii', 8, 16)).toBe('WAVEfmt ');
    expect(wav.readUInt32LE(16)).toBe(16);
    expect(wav.readUInt16LE(20)).toBe(1); // PCM
    expect(wav.readUInt16LE(22)).toBe(1); // mono
    expect(wav.readUInt32LE(24)).toBe(16000);
    expect(wav.readUInt32LE(28)).toBe(32000); // byte rate
    expect(wav.readUInt16LE(32)).toBe(2); // block align
    expect(wav.readUInt16LE(34)).toBe(16);
    expect(wav.toString('ascii', 36, 40)).toBe('data');
    expect(wav.readUInt32LE(40)).toBe(8);
    expect(wav.readInt16LE(48)).toBe(32767);
    expect(wav.readInt16LE(50)).toBe(-32768);
  });

  it('round-trips mono and stereo samples', () => {
    const samples = Int16Array.from({ length: 1000 }, (_, i) => ((i * 37) % 65536) - 32768);
    const mono = readWav(writeWav(samples, 16000));
    expect(mono).toMatchObject({ sampleRate: 16000, channels: 1, bitsPerSample: 16 });
    expect(Array.from(mono.samples)).toEqual(Array.from(samples));
    expect(wavDurationMs(mono)).toBeCloseTo(62.5);

    const stereo = readWav(writeWav(samples, 8000, 2));
    expect(stereo).toMatchObject({ sampleRate: 8000, channels: 2 });
    expect(stereo.samples).toHaveLength(1000);
    expect(wavDurationMs(stereo)).toBeCloseTo(62.5);
  });

  it('walks past other chunks, honours the pad byte of odd-sized ones, and reads WAVE_FORMAT_EXTENSIBLE PCM', () => {
    const wav = riff([
      ['LIST', Buffer.from('INFOodd')], // 7 bytes + pad
      ['fmt ', fmt(1, 1, 16000, 16)],
      ['fact', Buffer.alloc(4)],
      ['data', pcm([5, -5, 7])],
    ]);
    expect(Array.from(readWav(wav).samples)).toEqual([5, -5, 7]);

    const ext = Buffer.alloc(40);
    fmt(0xfffe, 2, 48000, 16).copy(ext);
    ext.writeUInt16LE(22, 16); // cbSize
    ext.writeUInt16LE(1, 24); // sub-format GUID starts with PCM's code
    const extensible = readWav(
      riff([
        ['fmt ', ext],
        ['data', pcm([1, 2, 3, 4])],
      ]),
    );
    expect(extensible).toMatchObject({ sampleRate: 48000, channels: 2, bitsPerSample: 16 });
  });

  it('reads a data chunk of unknown size (streaming writers) up to the end', () => {
    const wav = riff([
      ['fmt ', fmt(1, 1, 16000, 16)],
      ['data', pcm([1, 2, 3])],
    ]);
    wav.writeUInt32LE(0xffffffff, 12 + 8 + 16 + 4);
    expect(Array.from(readWav(wav).samples)).toEqual([1, 2, 3]);
  });

  it('rejects anything that is not PCM16 WAV with a clear error', () => {
    expect(() => readWav(Buffer.from('hello world, not audio'))).toThrow(/missing "RIFF"/);
    expect(() => readWav(Buffer.alloc(3))).toThrow(/missing "RIFF"/);
    expect(() => readWav(riff([], 'AVI '))).toThrow(/not "WAVE"/);
    expect(() =>
      readWav(
        riff([
          ['fmt ', fmt(3, 1, 16000, 32)],
          ['data', Buffer.alloc(8)],
        ]),
      ),
    ).toThrow(/format code 3/);
    expect(() =>
      readWav(
        riff([
          ['fmt ', fmt(1, 1, 16000, 8)],
          ['data', Buffer.alloc(8)],
        ]),
      ),
    ).toThrow(/8 bits/);
    expect(() =>
      readWav(
        riff([
          ['fmt ', fmt(1, 1, 16000, 24)],
          ['data', Buffer.alloc(6)],
        ]),
      ),
    ).toThrow(/24 bits/);
    expect(() =>
      readWav(
        riff([
          ['data', pcm([1])],
          ['fmt ', fmt(1, 1, 16000, 16)],
        ]),
      ),
    ).toThrow(/"data" chunk before "fmt "/);
    expect(() => readWav(riff([['fmt ', fmt(1, 1, 16000, 16)]]))).toThrow(/no "data" chunk/);
    expect(() => readWav(riff([['LIST', Buffer.alloc(4)]]))).toThrow(/no "fmt " chunk/);
    const truncated = writeWav(new Int16Array(100), 16000).subarray(0, 100);
    expect(() => readWav(truncated)).toThrow(/truncated WAV/);
  });

  it('reads the speech fixture', () => {
    if (!existsSync(FIXTURE)) {
      throw new Error(`missing fixture ${FIXTURE}`);
    }
    const wav = readWav(readFileSync(FIXTURE));
    expect(wav).toMatchObject({ sampleRate: 16000, channels: 1, bitsPerSample: 16 });
    expect(wav.samples).toHaveLength(44580);
  });
});

describe('toMono / prependSilence', () => {
  it('averages channels and pads with zeros', () => {
    expect(Array.from(toMono(new Int16Array([10, 20, -4, 4]), 2))).toEqual([15, 0]);
    const padded = prependSilence(new Int16Array([7, 8]), 1, 16000);
    expect(Array.from(padded)).toEqual([...new Array(16).fill(0), 7, 8]);
  });
});
