import type { TranscriptFormat, TranscriptJson, TranscriptLine } from '@whisperstream/shared-types';

export const CONTENT_TYPES: Record<TranscriptFormat, string> = {
  json: 'application/json; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
  srt: 'application/x-subrip; charset=utf-8',
  vtt: 'text/vtt; charset=utf-8',
};

/** `hh:mm:ss,mmm` (SRT) or `hh:mm:ss.mmm` (WebVTT). */
export function timestamp(ms: number, separator: ',' | '.'): string {
  const total = Math.max(0, Math.round(ms));
  const hours = Math.floor(total / 3_600_000);
  const minutes = Math.floor((total % 3_600_000) / 60_000);
  const seconds = Math.floor((total % 60_000) / 1000);
  const millis = total % 1000;
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(hours)}:${pad(minutes)}:${pad(seconds)}${separator}${pad(millis, 3)}`;
}

/** Cue text may not contain a blank line (it would end the cue) nor, in WebVTT, `-->`. */
function cueText(text: string): string {
  return text
    .replace(/\r?\n\s*\r?\n/g, '\n')
    .replace(/-->/g, '->')
    .trim();
}

export function formatTranscript(
  format: Exclude<TranscriptFormat, 'json'>,
  lines: readonly TranscriptLine[],
): string {
  switch (format) {
    case 'txt':
      return lines.map((line) => line.text.trim()).join('\n') + (lines.length ? '\n' : '');
    case 'srt':
      return lines
        .map(
          (line, i) =>
            `${i + 1}\n${timestamp(line.startMs, ',')} --> ${timestamp(line.endMs, ',')}\n${cueText(line.text)}\n`,
        )
        .join('\n');
    case 'vtt':
      return (
        'WEBVTT\n\n' +
        lines
          .map(
            (line) =>
              `${timestamp(line.startMs, '.')} --> ${timestamp(line.endMs, '.')}\n${cueText(line.text)}\n`,
          )
          .join('\n')
      );
  }
}

export type { TranscriptJson };
