import {
  afterRenderEffect,
  ChangeDetectionStrategy,
  Component,
  computed,
  ElementRef,
  inject,
  input,
  signal,
  viewChild,
} from '@angular/core';
import { ClockPipe } from './clock.pipe';
import { TranscriptStore } from './transcript-store';

/** Within this many pixels of the end counts as "at the bottom". */
const BOTTOM_SLACK_PX = 32;

/**
 * The transcript: final lines with their time, then the line being spoken (grey, italic) in the
 * place where its final will appear. Follows new lines unless the person scrolled up to read.
 */
@Component({
  selector: 'ws-transcript-view',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [ClockPipe],
  template: `
    <div
      #scroller
      class="scroller"
      data-testid="transcript"
      role="log"
      aria-live="polite"
      aria-relevant="additions"
      aria-label="Transcript"
      tabindex="0"
      (scroll)="onScroll()"
    >
      @if (store.isEmpty()) {
        <p class="placeholder" data-testid="transcript-empty">{{ placeholder() }}</p>
      }
      <ol class="lines">
        @for (line of store.lines(); track line.segmentId) {
          <li
            class="line"
            data-testid="transcript-line-final"
            [attr.data-segment-id]="line.segmentId"
          >
            <span class="time">{{ line.startMs | clock }}</span>&ngsp;
            <span class="text">{{ line.text }}</span>
            @if (showDetails()) {
              <span class="meta" data-testid="line-latency" [attr.data-latency-ms]="line.latencyMs">
                {{ line.latencyMs }} ms after speech ended · {{ line.engine }}
              </span>
            }
          </li>
        }
        @for (partial of store.partials(); track partial.segmentId) {
          <li
            class="line partial"
            data-testid="transcript-line-partial"
            aria-live="off"
            [attr.data-segment-id]="partial.segmentId"
            [attr.data-revision]="partial.revision"
          >
            <span class="time">{{ partial.startMs | clock }}</span>&ngsp;
            <span class="text">{{ partial.text || '…' }}</span>
          </li>
        }
      </ol>
    </div>
    @if (unseen()) {
      <button type="button" class="jump" data-testid="jump-to-latest" (click)="jumpToLatest()">
        ↓ New lines
      </button>
    }
  `,
  styles: `
    :host {
      display: block;
      position: relative;
    }
    .scroller {
      height: clamp(14rem, 46vh, 36rem);
      overflow-y: auto;
      overscroll-behavior: contain;
      padding: 0.75rem 0.9rem;
      border: 1px solid var(--border);
      border-radius: var(--radius);
      background: var(--surface-sunken);
      scroll-padding-bottom: 0.75rem;
    }
    .placeholder {
      margin: 0;
      color: var(--muted);
    }
    .lines {
      list-style: none;
      margin: 0;
      padding: 0;
      display: grid;
      gap: 0.35rem;
    }
    .line {
      display: grid;
      grid-template-columns: 3.6rem 1fr;
      column-gap: 0.6rem;
      font-size: 1.075rem;
      line-height: 1.5;
    }
    .time {
      color: var(--muted);
      font-family: var(--mono);
      font-size: 0.85rem;
      line-height: 1.8;
      font-variant-numeric: tabular-nums;
    }
    .text {
      overflow-wrap: anywhere;
    }
    .partial .text {
      color: var(--muted);
      font-style: italic;
    }
    .meta {
      grid-column: 2;
      color: var(--muted);
      font-size: 0.8rem;
    }
    .jump {
      position: absolute;
      right: 1rem;
      bottom: 0.75rem;
      box-shadow: var(--shadow);
    }
  `,
})
export class TranscriptView {
  protected readonly store = inject(TranscriptStore);
  /** Shows each line's latency and engine. */
  readonly showDetails = input(false);
  readonly placeholder = input('Press Start and speak: your words appear here.');

  private readonly scroller = viewChild.required<ElementRef<HTMLElement>>('scroller');
  /** Sticks to the newest line; false once the person scrolls up. */
  protected readonly following = signal(true);
  readonly #linesWhenLeft = signal(0);
  protected readonly unseen = computed(
    () => !this.following() && this.store.lines().length > this.#linesWhenLeft(),
  );

  constructor() {
    afterRenderEffect({
      write: () => {
        this.store.lines();
        this.store.partials();
        this.showDetails();
        if (this.following()) {
          const el = this.scroller().nativeElement;
          el.scrollTop = el.scrollHeight;
        }
      },
    });
  }

  protected onScroll(): void {
    const el = this.scroller().nativeElement;
    const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight <= BOTTOM_SLACK_PX;
    if (atBottom !== this.following()) {
      this.following.set(atBottom);
      if (!atBottom) {
        this.#linesWhenLeft.set(this.store.lines().length);
      }
    }
  }

  protected jumpToLatest(): void {
    this.following.set(true);
    const el = this.scroller().nativeElement;
    el.scrollTop = el.scrollHeight;
  }
}
