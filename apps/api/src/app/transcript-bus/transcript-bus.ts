import type { Observable } from 'rxjs';
import type {
  TranscriptEvent,
  TranscriptEventInit,
  TranscriptLine,
} from '@whisperstream/shared-types';

/**
 * One session's events: numbered from 1 as they are published, kept for `Last-Event-ID`
 * replay, delivered live to every subscriber, and ended once with `end`. Its non-empty finals
 * are the transcript.
 */
export interface TranscriptChannel {
  /** Numbers and publishes an event; events after `end` are ignored. */
  emit(init: TranscriptEventInit): TranscriptEvent | undefined;
  /** Publishes `end` (once) and completes every subscriber. */
  end(): void;
  readonly ended: boolean;
  /** Every event after `afterId` still kept, then the live ones: no gap, no duplicate. */
  events$(afterId?: number): Observable<TranscriptEvent>;
  /** The transcript so far: the text of each non-empty final. */
  readonly lines: readonly TranscriptLine[];
  /** Once ended: drop what only live clients needed (partials, replaced by their finals). */
  compact(): void;
}

/**
 * The port through which sessions publish their events and through which they are read (SSE,
 * transcript export). `sessions` and `transcripts` both depend on it, not on each other's
 * internals. The in-memory implementation serves one process.
 */
export abstract class TranscriptBus {
  /** The channel of a new session. */
  abstract open(sessionId: string): TranscriptChannel;
}
