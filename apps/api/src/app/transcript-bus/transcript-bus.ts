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
 * How long an ended session's events outlive SESSION_RETENTION_MS when nobody calls
 * `forget`: long enough that they never go before the session's own retention ends, and
 * that a reader still live at `end` reads it.
 */
export const RETENTION_GRACE_MS = 60_000;

/** A session's events or transcript cannot be read now (the shared store is unreachable). */
export class TranscriptUnavailableError extends Error {
  readonly retryable = true;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TranscriptUnavailableError';
  }
}

/** A session's events were asked for, but the bus knows no such session (or forgot it). */
export class TranscriptNotFoundError extends Error {
  readonly retryable = false;

  constructor() {
    super('no events are kept for this session');
    this.name = 'TranscriptNotFoundError';
  }
}

/**
 * The port through which sessions publish their events and through which they are read (SSE,
 * transcript export). `sessions` and `transcripts` both depend on it, not on each other's
 * internals. One node owns a session and writes its events through the channel `open` gives;
 * any node reads them by session id. The in-memory implementation serves one process.
 */
export abstract class TranscriptBus {
  /** This node writes the events of a new session: its channel, numbered from 1. */
  abstract open(sessionId: string): TranscriptChannel;

  /**
   * Finishes the stream of a session whose owner was lost: a channel whose numbering goes on
   * after the last event kept, through which this node publishes what ends the session
   * (`error`, the closing states, `end`). If the stream has already ended, the channel has
   * too and ignores what is emitted.
   */
  abstract takeOver(sessionId: string): Promise<TranscriptChannel>;

  /**
   * A session's events after `afterId`, wherever its owner is: those still kept, then the live
   * ones, with no gap and no duplicate, completing after `end`. Errors with
   * TranscriptUnavailableError when they cannot be read (the subscriber may try again) and
   * TranscriptNotFoundError when the session is known to have none.
   */
  abstract events$(sessionId: string, afterId?: number): Observable<TranscriptEvent>;

  /**
   * A session's transcript so far (its non-empty finals, every one of them), wherever its
   * owner is; none for a session it does not know. Rejects with TranscriptUnavailableError
   * when it cannot be read.
   */
  abstract lines(sessionId: string): Promise<readonly TranscriptLine[]>;

  /**
   * Drops a session's events and transcript now: the sessions module calls it when it stops
   * retaining an ended session (SESSION_RETENTION_MS passed, or more than
   * SESSION_RETENTION_MAX are kept). Without the call, an ended session's events still go by
   * themselves SESSION_RETENTION_MS + RETENTION_GRACE_MS after its `end`.
   */
  abstract forget(sessionId: string): Promise<void>;
}
