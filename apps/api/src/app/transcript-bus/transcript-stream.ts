import { concat, defer, from, Observable, Subject } from 'rxjs';
import type {
  FinalEventData,
  TranscriptEvent,
  TranscriptEventInit,
  TranscriptLine,
} from '@whisperstream/shared-types';

import type { TranscriptChannel } from './transcript-bus';

export interface TranscriptStreamOptions {
  /**
   * Told of every event as soon as it is numbered, in order, before live subscribers get it
   * (a bus keeps its books or writes the event on with it).
   */
  onEmit?: (event: TranscriptEvent) => void;
  /** Told when `compact` runs on the ended stream (a bus compacts its own copy with it). */
  onCompact?: () => void;
  /**
   * Where a stream taken over from another node starts: the events still kept (the last
   * `replayLimit` of them are replayed), the whole transcript, and the last id given; the
   * numbering goes on after it. A history that ends with `end` makes an ended stream.
   */
  history?: TranscriptHistory;
}

export interface TranscriptHistory {
  readonly events: readonly TranscriptEvent[];
  readonly lines: readonly TranscriptLine[];
  readonly lastId: number;
}

/**
 * One session's events in this process: numbered from 1, kept in a bounded buffer for
 * `Last-Event-ID` replay, multicast live to every subscriber, and ended once with `end`. The
 * final lines are kept whole (they are the transcript).
 */
export class TranscriptStream implements TranscriptChannel {
  #events: TranscriptEvent[] = [];
  readonly #live = new Subject<TranscriptEvent>();
  readonly #lines: TranscriptLine[] = [];
  #nextId = 1;
  #ended = false;

  constructor(
    private readonly replayLimit = 1000,
    private readonly options: TranscriptStreamOptions = {},
  ) {
    const history = options.history;
    if (history) {
      this.#events = history.events.slice(-replayLimit);
      this.#lines.push(...history.lines);
      this.#nextId = Math.max(history.lastId, history.events.at(-1)?.id ?? 0) + 1;
      this.#ended = history.events.at(-1)?.type === 'end';
      if (this.#ended) this.#live.complete();
    }
  }

  get ended(): boolean {
    return this.#ended;
  }

  get lastId(): number {
    return this.#nextId - 1;
  }

  get lines(): readonly TranscriptLine[] {
    return this.#lines;
  }

  /** Numbers and publishes an event; a non-empty `final` also becomes a transcript line. Events after `end` are ignored. */
  emit(init: TranscriptEventInit): TranscriptEvent | undefined {
    if (this.#ended) return undefined;
    const event = { ...init, id: this.#nextId++ } as TranscriptEvent;
    const line = transcriptLineOf(event);
    if (line) this.#lines.push(line);
    this.#events.push(event);
    if (this.#events.length > this.replayLimit) this.#events.shift();
    if (event.type === 'end') this.#ended = true;
    this.options.onEmit?.(event);
    this.#live.next(event);
    if (this.#ended) this.#live.complete();
    return event;
  }

  /**
   * Once ended, drops from the replay buffer what only a live client needed: `partial`
   * events, each replaced by its segment's `final` (or `error`). The ids of what stays do not
   * change, so a replay after any id still works. No-op before `end`.
   */
  compact(): void {
    if (!this.#ended) return;
    this.#events = this.#events.filter((event) => event.type !== 'partial');
    this.options.onCompact?.();
  }

  /** Publishes `end` (once) and completes every subscriber. */
  end(): void {
    this.emit({ type: 'end', data: {} });
  }

  /**
   * Every event after `afterId` that is still buffered, then the live ones, with no gap and
   * no duplicate: the replay and the subscription happen in the same synchronous step.
   */
  events$(afterId = 0): Observable<TranscriptEvent> {
    return defer(() => {
      const replay = from(this.#events.filter((event) => event.id > afterId));
      return this.#ended ? replay : concat(replay, this.#live);
    });
  }

  /** Whether a replay from `afterId` would miss events that fell out of the buffer. */
  hasGapAfter(afterId: number): boolean {
    const oldest = this.#events[0]?.id ?? this.#nextId;
    return afterId < oldest - 1;
  }
}

/** The transcript line an event makes: a `final` with text makes one, nothing else does. */
export function transcriptLineOf(event: TranscriptEvent): TranscriptLine | undefined {
  return event.type === 'final' && event.data.text.trim().length > 0
    ? toLine(event.data)
    : undefined;
}

function toLine(data: FinalEventData): TranscriptLine {
  return {
    segmentId: data.segmentId,
    text: data.text,
    startMs: data.startMs,
    endMs: data.endMs,
    latencyMs: data.latencyMs,
    engine: data.engine,
  };
}
