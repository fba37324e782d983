import { computed, Injectable, signal } from '@angular/core';
import { TranscriptEvent, TranscriptLine } from '@whisperstream/shared-types';
import { formatClock } from './transcript-format';

/** A line that will not change any more. */
export type FinalLine = TranscriptLine;

/** A line still being spoken: replaced by a later revision or by its final. */
export interface PartialLine {
  segmentId: number;
  text: string;
  startMs: number;
  endMs: number;
  /** -1 for the placeholder shown on `speech-start`, before any text. */
  revision: number;
}

/**
 * The live transcript, as signals. Fed with contract events in id order; tolerant of replays
 * (a final already shown, a stale partial revision) so that a reconnect can never double a line.
 */
@Injectable({ providedIn: 'root' })
export class TranscriptStore {
  readonly #finals = signal<readonly FinalLine[]>([]);
  readonly #partials = signal<readonly PartialLine[]>([]);
  readonly #latestLatencyMs = signal<number | null>(null);
  /** Segments that already have their final (including empty ones that are not shown). */
  #finalized = new Set<number>();

  readonly lines = this.#finals.asReadonly();
  readonly partials = this.#partials.asReadonly();
  /** End of speech to text, as the server measured it for the newest line. */
  readonly latestLatencyMs = this.#latestLatencyMs.asReadonly();
  readonly isEmpty = computed(() => this.#finals().length === 0 && this.#partials().length === 0);
  readonly text = computed(() =>
    this.#finals()
      .map((line) => `[${formatClock(line.startMs)}] ${line.text}`)
      .join('\n'),
  );

  apply(event: TranscriptEvent): void {
    switch (event.type) {
      case 'speech-start':
        this.#upsertPartial({
          segmentId: event.data.segmentId,
          text: '',
          startMs: event.data.startMs,
          endMs: event.data.startMs,
          revision: -1,
        });
        break;
      case 'partial':
        this.#upsertPartial(event.data);
        break;
      case 'final':
        this.addFinal(event.data);
        break;
      case 'error':
        if (event.data.segmentId !== undefined) {
          this.#removePartial(event.data.segmentId); // that segment will not get its text
        }
        break;
      case 'end':
        this.dropInProgress(); // nothing is in progress after the last event
        break;
      case 'session':
        break;
    }
  }

  /** Adds a final line unless that segment already has one; drops the segment's partial. */
  addFinal(line: FinalLine): void {
    this.#removePartial(line.segmentId);
    if (this.#finalized.has(line.segmentId)) {
      return;
    }
    this.#finalized.add(line.segmentId);
    if (line.text.trim() === '') {
      return; // nothing was recognised in that utterance
    }
    const { segmentId, text, startMs, endMs, latencyMs, engine } = line;
    this.#latestLatencyMs.set(latencyMs);
    this.#finals.update((lines) =>
      insertSorted(lines, { segmentId, text, startMs, endMs, latencyMs, engine }),
    );
  }

  /**
   * Drops the lines still in progress ("…" placeholders and partials that never got their
   * final): the session is over, so they will not finish. Final lines stay.
   */
  dropInProgress(): void {
    if (this.#partials().length > 0) {
      this.#partials.set([]);
    }
  }

  /** Clears the finished lines from the screen; a line still being spoken stays and finishes. */
  clear(): void {
    this.#finals.set([]);
  }

  /** Forgets everything: a new session starts. */
  reset(): void {
    this.#latestLatencyMs.set(null);
    this.#finals.set([]);
    this.#partials.set([]);
    this.#finalized = new Set();
  }

  #upsertPartial(partial: PartialLine): void {
    if (this.#finalized.has(partial.segmentId)) {
      return; // its final already arrived: a late or replayed partial must not reappear
    }
    const existing = this.#partials().find((p) => p.segmentId === partial.segmentId);
    if (existing && existing.revision >= partial.revision) {
      return; // stale or repeated revision
    }
    const { segmentId, text, startMs, endMs, revision } = partial;
    this.#partials.update((partials) =>
      insertSorted(
        partials.filter((p) => p.segmentId !== segmentId),
        { segmentId, text, startMs, endMs, revision },
      ),
    );
  }

  #removePartial(segmentId: number): void {
    if (this.#partials().some((p) => p.segmentId === segmentId)) {
      this.#partials.update((partials) => partials.filter((p) => p.segmentId !== segmentId));
    }
  }
}

function insertSorted<T extends { segmentId: number }>(list: readonly T[], item: T): T[] {
  const index = list.findIndex((other) => other.segmentId > item.segmentId);
  return index === -1 ? [...list, item] : [...list.slice(0, index), item, ...list.slice(index)];
}
