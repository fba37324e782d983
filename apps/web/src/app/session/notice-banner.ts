import { ChangeDetectionStrategy, Component, input, output } from '@angular/core';
import { Notice } from './notices';

/** The one message the person should read now, with a way to dismiss it. */
@Component({
  selector: 'ws-notice-banner',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    @if (notice(); as n) {
      <div
        class="banner"
        data-testid="error-banner"
        [attr.data-code]="n.code"
        [attr.data-severity]="n.severity"
        [attr.role]="n.severity === 'error' ? 'alert' : 'status'"
      >
        <p>{{ n.message }}</p>
        <button type="button" class="dismiss" aria-label="Dismiss message" (click)="dismiss.emit()">
          ✕
        </button>
      </div>
    }
  `,
  styles: `
    .banner {
      display: flex;
      align-items: flex-start;
      gap: 0.75rem;
      padding: 0.75rem 0.9rem;
      border-radius: var(--radius);
      border: 1px solid;
      line-height: 1.45;
    }
    [data-severity='error'] {
      background: var(--danger-bg);
      border-color: var(--danger);
    }
    [data-severity='warning'],
    [data-severity='info'] {
      background: var(--warn-bg);
      border-color: var(--warn);
    }
    p {
      margin: 0;
      flex: 1;
    }
    .dismiss {
      flex: none;
      padding: 0.1rem 0.45rem;
      background: transparent;
      border: 1px solid transparent;
      color: inherit;
    }
    .dismiss:hover {
      border-color: currentColor;
    }
  `,
})
export class NoticeBanner {
  readonly notice = input<Notice | null>(null);
  readonly dismiss = output<void>();
}
