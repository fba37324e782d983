import { parseTranscriptEvent, type TranscriptEvent } from '@whisperstream/shared-types';

export type SequenceVerdict =
  | { kind: 'event'; event: TranscriptEvent }
  /** Its id is not above the last one handed on: a replay after a reconnect, dropped. */
  | { kind: 'replay'; id: number }
  /** Not in the contract (unknown type, bad id, data its schema refuses), dropped. */
  | { kind: 'rejected'; error: string };

/**
 * The rule every reader of a session's event stream follows, whatever carries the frames
 * (a fetch stream, the browser's EventSource): each frame is parsed with the contract's schema,
 * and an event whose id is not above the last one handed on is a replay and is dropped, so no
 * event is lost or doubled across reconnects. Ids rise by one from 1: one that jumps further is
 * handed on and counted as a gap.
 */
export class EventSequence {
  #lastEventId: number;
  #rejected = 0;
  #replays = 0;
  #gaps = 0;

  constructor(lastEventId = 0) {
    this.#lastEventId = lastEventId;
  }

  /** The id of the last event handed on (0 before any): the `Last-Event-ID` to resume from. */
  get lastEventId(): number {
    return this.#lastEventId;
  }

  get rejected(): number {
    return this.#rejected;
  }

  get replays(): number {
    return this.#replays;
  }

  get gaps(): number {
    return this.#gaps;
  }

  accept(type: string, id: string | number, data: string): SequenceVerdict {
    let event: TranscriptEvent;
    try {
      event = parseTranscriptEvent(type, id, data);
    } catch (error) {
      this.#rejected++;
      return { kind: 'rejected', error: error instanceof Error ? error.message : String(error) };
    }
    if (event.id <= this.#lastEventId) {
      this.#replays++;
      return { kind: 'replay', id: event.id };
    }
    if (event.id !== this.#lastEventId + 1) {
      this.#gaps++;
    }
    this.#lastEventId = event.id;
    return { kind: 'event', event };
  }
}
