import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';
import { EngineInfo } from '@whisperstream/shared-types';
import { LiveState } from './live-session';

const LABELS: Record<LiveState, string> = {
  idle: 'Ready – press Start',
  connecting: 'Connecting…',
  live: 'Live – speak now',
  stopping: 'Stopping – finishing the last words…',
  ended: 'Ended',
};

/** The session's state and the transcription engine, in words. */
@Component({
  selector: 'ws-status-bar',
  changeDetection: ChangeDetectionStrategy.OnPush,
  template: `
    <span class="state" data-testid="state-label" role="status" [attr.data-state]="state()">
      <span class="dot" aria-hidden="true"></span>{{ label() }}
    </span>
    <span class="facts">
      <span class="engine" data-testid="engine-label" [attr.data-engine]="engine()?.id ?? null">
        @if (engine(); as e) {
          Engine: {{ e.id }} · {{ e.model }}
        } @else {
          Engine: –
        }
      </span>
      @if (latencyMs() !== null) {
        <span
          class="latency"
          data-testid="latency-label"
          [attr.data-latency-ms]="latencyMs()"
          title="From the end of your speech to its text, for the newest line"
        >
          Latency: {{ latencyMs() }} ms
        </span>
      }
    </span>
  `,
  styles: `
    :host {
      display: flex;
      flex-wrap: wrap;
      align-items: center;
      gap: 0.5rem 1rem;
    }
    .state {
      display: inline-flex;
      align-items: center;
      gap: 0.45rem;
      padding: 0.25rem 0.7rem;
      border-radius: 999px;
      background: var(--surface-sunken);
      font-weight: 600;
      white-space: nowrap;
    }
    .dot {
      width: 0.6rem;
      height: 0.6rem;
      border-radius: 50%;
      background: var(--muted);
    }
    [data-state='connecting'] .dot,
    [data-state='stopping'] .dot {
      background: var(--warn);
      animation: pulse 1s ease-in-out infinite;
    }
    [data-state='live'] .dot {
      background: var(--danger);
      animation: pulse 1.4s ease-in-out infinite;
    }
    /* Engine over latency, two lines reserved: the latency's arrival moves nothing. */
    .facts {
      display: grid;
      min-height: 2.5em;
      align-content: center;
    }
    .engine,
    .latency {
      color: var(--muted);
      font-size: 0.9rem;
    }
    @keyframes pulse {
      50% {
        opacity: 0.35;
      }
    }
    @media (prefers-reduced-motion: reduce) {
      .dot {
        animation: none !important;
      }
    }
  `,
})
export class StatusBar {
  readonly state = input.required<LiveState>();
  readonly engine = input<EngineInfo | null>(null);
  readonly latencyMs = input<number | null>(null);
  protected readonly label = computed(() => LABELS[this.state()]);
}
