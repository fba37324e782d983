import type { TranscriptLine } from '@whisperstream/shared-types';
import { formatTranscript, timestamp } from './transcript-format';

const lines: TranscriptLine[] = [
  { segmentId: 0, text: ' hello there ', startMs: 0, endMs: 3000, latencyMs: 1, engine: 'e' },
  {
    segmentId: 1,
    text: 'a --> b\n\nc',
    startMs: 3000,
    endMs: 3_725_004,
    latencyMs: 1,
    engine: 'e',
  },
];

describe(formatTranscript.name, () => {
  it('formats time stamps for SRT and WebVTT', () => {
    expect(timestamp(3_725_004, ',')).toBe('01:02:05,004');
    expect(timestamp(999.6, '.')).toBe('00:00:01.000');
  });

  it('writes plain text one line per utterance', () => {
    expect(formatTranscript('txt', lines)).toBe('hello there\na --> b\n\nc\n');
    expect(formatTranscript('txt', [])).toBe('');
  });

  it('writes numbered SRT cues', () => {
    expect(formatTranscript('srt', lines)).toBe(
      '1\n00:00:00,000 --> 00:00:03,000\nhello there\n\n2\n00:00:03,000 --> 01:02:05,004\na -> b\nc\n',
    );
  });

  it('writes WebVTT with its header and no arrow inside a cue', () => {
    expect(formatTranscript('vtt', lines)).toBe(
      'WEBVTT\n\n00:00:00.000 --> 00:00:03.000\nhello there\n\n00:00:03.000 --> 01:02:05.004\na -> b\nc\n',
    );
  });
});
