import { encodeWav } from '../../audio-pipeline/wav';
import { EngineRejectedError } from '../engine';
import { pcm16FromWav } from './wav-pcm';

describe('pcm16FromWav', () => {
  it('returns the samples of a 16 kHz mono PCM16 WAV and their duration', () => {
    const samples = Int16Array.from([1, -2, 3, -4]);

    const pcm = pcm16FromWav(encodeWav(samples, 16_000));

    expect(Array.from(new Int16Array(pcm.samples))).toEqual([1, -2, 3, -4]);
    expect(pcm.durationMs).toBe(0.25);
  });

  it('skips chunks before the data chunk', () => {
    const plain = encodeWav(Int16Array.from([7, 8]), 16_000);
    const list = Buffer.concat([
      Buffer.from('LIST'),
      Buffer.from([3, 0, 0, 0]),
      Buffer.from('abc\0'),
    ]);
    const wav = Buffer.concat([plain.subarray(0, 36), list, plain.subarray(36)]);

    expect(Array.from(new Int16Array(pcm16FromWav(wav).samples))).toEqual([7, 8]);
  });

  it('copes with a data chunk that claims more than the file holds', () => {
    const wav = encodeWav(Int16Array.from([5, 6]), 16_000);
    wav.writeUInt32LE(0xffffffff, 40);

    expect(Array.from(new Int16Array(pcm16FromWav(wav).samples))).toEqual([5, 6]);
  });

  it.each([
    ['not a WAV', Buffer.from('hello, world'), /not a RIFF\/WAVE file/],
    ['another rate', encodeWav(new Int16Array(4), 48_000), /48000 Hz/],
    ['stereo', withHeader(22, 2), /2 channels/],
    ['8-bit samples', withHeader(34, 8), /not 16-bit PCM/],
    ['no data chunk', encodeWav(new Int16Array(0), 16_000).subarray(0, 36), /no data chunk/],
  ])('refuses %s', (_what, wav, message) => {
    expect(() => pcm16FromWav(wav)).toThrow(EngineRejectedError);
    expect(() => pcm16FromWav(wav)).toThrow(message);
  });
});

function withHeader(offset: number, value: number): Buffer {
  const wav = encodeWav(new Int16Array(4), 16_000);
  wav.writeUInt16LE(value, offset);
  return wav;
}
