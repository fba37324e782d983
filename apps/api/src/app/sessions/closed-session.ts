import type { EngineInfo } from '@whisperstream/shared-types';
import type { TranscriptChannel } from '../transcript-bus/transcript-bus';
import type { Session } from './session';

/**
 * What stays of a session once it has closed, for as long as it is retained: what its
 * transcript and a late event stream need (its id, token hash, language, engine, and its
 * events without the partial results its finals replaced). Nothing of its peer connection,
 * audio pipeline, transcriber or socket.
 */
export class ClosedSession {
  readonly state = 'closed' as const;
  readonly isOpen = false;

  private constructor(
    readonly id: string,
    readonly tokenHash: Buffer,
    readonly language: string | undefined,
    readonly engine: EngineInfo,
    readonly stream: TranscriptChannel,
    /** When it was retired (wall clock): retention runs from here. */
    readonly closedAt: number,
  ) {}

  /** Takes over a closed session's stream, compacted; the session itself can then go. */
  static of(session: Session, now: number): ClosedSession {
    session.stream.compact();
    return new ClosedSession(
      session.id,
      session.tokenHash,
      session.language,
      session.engine,
      session.stream,
      now,
    );
  }
}
