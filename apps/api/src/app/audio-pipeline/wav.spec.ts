import { encodeWav } from './wav';

describe(encodeWav.name, () => {
  it('writes the exact 44-byte PCM16 mono header', () => {
    const sut = encodeWav(Int16Array.from([1, -2, 32767]), 16000);
    expect(sut.length).toBe(50);
    expect(sut.subarray(0, 44).toString('hex')).toBe(
      [
        '52494646', // RIFF
        '2a000000', // 36 + 6
        '57415645', // WAVE
        '666d7420', // "fmt "
        '10000000', // 16
        '0100', // PCM
        '0100', // mono
        '803e0000', // 16000
        '007d0000', // 32000 bytes/s
        '0200', // block align
        '1000', // 16 bits
        '64617461', // data
        '06000000', // 6 bytes
      ].join(''),
    );
    expect(sut.readInt16LE(44)).toBe(1);
    expect(sut.readInt16LE(46)).toBe(-2);
    expect(sut.readInt16LE(48)).toBe(32767);
  });

  it('copies only the view it is given', () => {
    const backing = Int16Array.from([9, 1, 2, 9]);
    const sut = encodeWav(backing.subarray(1, 3), 8000);
    expect(sut.length).toBe(48);
    expect(sut.readInt16LE(44)).toBe(1);
    expect(sut.readInt16LE(46)).toBe(2);
  });
});
