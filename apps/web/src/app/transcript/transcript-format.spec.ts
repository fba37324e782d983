import { formatClock, transcriptFileName } from './transcript-format';

describe('transcript-format', () => {
  it('stamps lines as mm:ss from the start of the audio', () => {
    expect(formatClock(0)).toBe('00:00');
    expect(formatClock(65_400)).toBe('01:05');
    expect(formatClock(59 * 60_000 + 59_999)).toBe('59:59');
  });

  it('adds hours past the first hour', () => {
    expect(formatClock(3_600_000 + 61_000)).toBe('1:01:01');
  });

  it('names downloads whisperstream-<date>-<time>.<format> in local time', () => {
    const at = new Date(2025, 2, 7, 14, 23, 5);
    expect(transcriptFileName('srt', at)).toBe('whisperstream-2025-03-07-142305.srt');
    expect(transcriptFileName('vtt', at)).toBe('whisperstream-2025-03-07-142305.vtt');
    expect(transcriptFileName('json', new Date(2025, 11, 31, 9, 5, 0))).toBe(
      'whisperstream-2025-12-31-090500.json',
    );
  });
});
