import { consoleProgress, formatBytes, progressBar } from './progress';

const MIB = 1024 * 1024;

class FakeOutput {
  readonly writes: string[] = [];
  constructor(readonly isTTY: boolean) {}
  write(text: string): void {
    this.writes.push(text);
  }
}

describe('progress', () => {
  it('draws a bar with percent, sizes and rate', () => {
    expect(progressBar(50 * MIB, 100 * MIB, 5 * MIB, 10)).toBe(
      '[#####.....]  50%  50.0/100.0 MiB  5.0 MiB/s',
    );
  });

  it('shows sizes alone when the total is unknown', () => {
    expect(progressBar(3 * MIB, undefined, MIB)).toBe('3.0 MiB  1.0 MiB/s');
    expect(formatBytes(3 * 1024 * MIB)).toBe('3.00 GiB');
  });

  it('redraws one line on a terminal and ends it', () => {
    const output = new FakeOutput(true);
    let time = 0;
    const sut = consoleProgress(output, () => time);

    sut.start({ file: 'ggml-x.bin', url: 'http://h/ggml-x.bin', resumeFrom: 0, total: 100 * MIB });
    time = 1000;
    sut.update(50 * MIB, 100 * MIB);
    time = 1050; // too soon to redraw
    sut.update(60 * MIB, 100 * MIB);
    time = 2000;
    sut.update(100 * MIB, 100 * MIB);
    sut.end();

    expect(output.writes).toEqual([
      'Downloading ggml-x.bin (100.0 MiB) from http://h/ggml-x.bin\n',
      '\r[###############...............]  50%  50.0/100.0 MiB  50.0 MiB/s\x1b[K',
      '\r[##############################] 100%  100.0/100.0 MiB  50.0 MiB/s\x1b[K',
      '\n',
    ]);
  });

  it('writes a plain line at every tenth elsewhere, and says where it resumed', () => {
    const output = new FakeOutput(false);
    const sut = consoleProgress(output, () => 0);

    sut.start({ file: 'ggml-x.bin', url: 'u', resumeFrom: 40 * MIB, total: 100 * MIB });
    for (let mib = 41; mib <= 100; mib++) sut.update(mib * MIB, 100 * MIB);
    sut.end();

    expect(output.writes[0]).toBe(
      'Downloading ggml-x.bin (100.0 MiB) from u, resuming at 40.0 MiB\n',
    );
    expect(output.writes.slice(1)).toEqual([
      '40% 41.0 MiB of 100.0 MiB\n',
      '50% 50.0 MiB of 100.0 MiB\n',
      '60% 60.0 MiB of 100.0 MiB\n',
      '70% 70.0 MiB of 100.0 MiB\n',
      '80% 80.0 MiB of 100.0 MiB\n',
      '90% 90.0 MiB of 100.0 MiB\n',
      '100% 100.0 MiB of 100.0 MiB\n',
    ]);
  });
});
