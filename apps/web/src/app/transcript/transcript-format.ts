import { TranscriptFormat } from '@whisperstream/shared-types';

/** `mm:ss` from milliseconds (`h:mm:ss` past an hour): the stamp shown beside each line. */
export function formatClock(ms: number): string {
  const totalSeconds = Math.max(0, Math.floor(ms / 1000));
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = totalSeconds % 60;
  const mmss = `${pad(minutes)}:${pad(seconds)}`;
  return hours > 0 ? `${hours}:${mmss}` : mmss;
}

/** `whisperstream-2025-03-07-142305.srt`, in the person's local time. */
export function transcriptFileName(format: TranscriptFormat, at: Date): string {
  const date = `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}`;
  const time = `${pad(at.getHours())}${pad(at.getMinutes())}${pad(at.getSeconds())}`;
  return `whisperstream-${date}-${time}.${format}`;
}

/** `14:05:09`, local time. */
export function formatTimeOfDay(at: Date): string {
  return `${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}`;
}

function pad(n: number): string {
  return String(n).padStart(2, '0');
}
