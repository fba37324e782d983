import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';

/** The microphone's input level as a bar: moves when the person speaks. */
@Component({
  selector: 'ws-level-meter',
  changeDetection: ChangeDetectionStrategy.OnPush,
  host: {
    'data-testid': 'level-meter',
    role: 'meter',
    'aria-label': 'Microphone input level',
    'aria-valuemin': '0',
    'aria-valuemax': '100',
    '[attr.aria-valuenow]': 'percent()',
    '[attr.aria-valuetext]': 'valueText()',
    '[attr.data-level]': 'percent()',
    '[attr.data-active]': 'active()',
    '[class.active]': 'active()',
  },
  template: `
    <span class="track"
      ><span class="bar" [style.transform]="'scaleX(' + level() + ')'"></span
    ></span>
  `,
  styles: `
    :host {
      display: block;
      height: 0.75rem;
    }
    .track {
      display: block;
      position: relative;
      height: 100%;
      overflow: hidden;
      border-radius: 999px;
      background: var(--surface-sunken);
      border: 1px solid var(--border);
    }
    .bar {
      position: absolute;
      inset: 0;
      transform-origin: left center;
      background: linear-gradient(90deg, var(--ok) 0 60%, var(--warn) 60% 85%, var(--danger) 85%);
      transition: transform 60ms linear;
    }
    :host(:not(.active)) .bar {
      opacity: 0.35;
    }
  `,
})
export class LevelMeter {
  /** 0..1. */
  readonly level = input.required<number>();
  readonly active = input(false);
  protected readonly percent = computed(() => Math.round(this.level() * 100));
  protected readonly valueText = computed(() =>
    this.active() ? `${this.percent()} percent` : 'microphone not open',
  );
}
