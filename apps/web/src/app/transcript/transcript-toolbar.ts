import {
  ChangeDetectionStrategy,
  Component,
  inject,
  model,
  OnDestroy,
  signal,
} from '@angular/core';
import { TRANSCRIPT_FORMATS, TranscriptFormat } from '@whisperstream/shared-types';
import { LiveSession } from '../session/live-session';
import { TranscriptStore } from './transcript-store';

/** Copy, download (TXT, SRT, VTT, JSON), clear, and the latency details switch. */
@Component({
  selector: 'ws-transcript-toolbar',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <div class="group">
      <button
        type="button"
        class="secondary"
        data-testid="copy-button"
        [disabled]="store.lines().length === 0"
        (click)="copy()"
      >
        {{ copied() ? 'Copied ✓' : 'Copy' }}
      </button>
      <button
        type="button"
        class="secondary"
        data-testid="clear-button"
        title="Clears the screen; downloads still contain the whole session"
        [disabled]="store.lines().length === 0"
        (click)="store.clear()"
      >
        Clear
      </button>
    </div>
    <div class="group" role="group" aria-labelledby="download-label">
      <span id="download-label" class="group-label">Download</span>
      @for (format of formats; track format) {
        <button
          type="button"
          class="secondary"
          [attr.data-testid]="'download-' + format"
          [attr.data-format]="format"
          [attr.aria-label]="'Download the transcript as ' + format.toUpperCase()"
          [disabled]="!session.access() || downloading() === format"
          (click)="download(format)"
        >
          {{ format.toUpperCase() }}
        </button>
      }
    </div>
    <label class="toggle">
      <input
        type="checkbox"
        data-testid="details-toggle"
        [checked]="showDetails()"
        (change)="toggleDetails($event)"
      />
      Show latency
    </label>
  `,
  styles: `
    :host {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 0.6rem 1.25rem;
    }
    .group {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 0.4rem;
    }
    .group-label {
      color: var(--muted);
      font-size: 0.9rem;
      margin-right: 0.1rem;
    }
    button {
      padding: 0.4rem 0.7rem;
      font-size: 0.9rem;
    }
    @media (max-width: 400px) {
      button {
        padding: 0.4rem 0.55rem;
      }
    }
    .toggle {
      display: inline-flex;
      align-items: center;
      gap: 0.4rem;
      font-size: 0.9rem;
      cursor: pointer;
    }
  `,
})
export class TranscriptToolbar implements OnDestroy {
  protected readonly session = inject(LiveSession);
  protected readonly store = inject(TranscriptStore);
  protected readonly formats = TRANSCRIPT_FORMATS;
  readonly showDetails = model(false);
  protected readonly copied = signal(false);
  protected readonly downloading = signal<TranscriptFormat | null>(null);
  #copiedTimer: ReturnType<typeof setTimeout> | null = null;

  protected async copy(): Promise<void> {
    if (await this.session.copy()) {
      this.copied.set(true);
      if (this.#copiedTimer !== null) {
        clearTimeout(this.#copiedTimer);
      }
      this.#copiedTimer = setTimeout(() => this.copied.set(false), 2000);
    }
  }

  protected async download(format: TranscriptFormat): Promise<void> {
    this.downloading.set(format);
    try {
      await this.session.download(format);
    } finally {
      this.downloading.set(null);
    }
  }

  protected toggleDetails(event: Event): void {
    this.showDetails.set((event.target as HTMLInputElement).checked);
  }

  ngOnDestroy(): void {
    if (this.#copiedTimer !== null) {
      clearTimeout(this.#copiedTimer);
    }
  }
}
