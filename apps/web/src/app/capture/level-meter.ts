import { ChangeDetectionStrategy, Component, computed, input } from '@angular/core';

/** Where the level is: normal speech, loud, or close to clipping (levels as `Microphone.level`). */
export type LevelZone = 'normal' | 'loud' | 'clipping';

/** From here (-15 dBFS RMS on the meter's -60..0 dBFS scale) the bar turns orange: loud. */
export const LOUD_FROM = 0.75;
/** From here (-6 dBFS RMS: speech peaks clip) the bar turns red. */
export const CLIPPING_FROM = 0.9;

export function levelZone(level: number): LevelZone {
  return level >= CLIPPING_FROM ? 'clipping' : level >= LOUD_FROM ? 'loud' : 'normal';
}

/**
 * The microphone's input level as a bar: moves when the person speaks. The colours sit at fixed
 * places along the whole track (green, orange from LOUD_FROM, red from CLIPPING_FROM) and the
 * level uncovers them from the left, so the bar only shows orange when it is loud and red when
 * it is close to clipping.
 */
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
    '[attr.data-zone]': 'zone()',
    '[attr.data-active]': 'active()',
    '[class.active]': 'active()',
  },
  template: `
    <span class="track"
      ><span class="fill"></span
      ><span class="rest" [style.transform]="'scaleX(' + (100 - percent()) / 100 + ')'"></span
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
    .fill,
    .rest {
      position: absolute;
      inset: 0;
    }
    /* the whole scale, always full width: stops at LOUD_FROM (75 %) and CLIPPING_FROM (90 %) */
    .fill {
      background: linear-gradient(90deg, var(--ok) 0 73%, var(--warn) 75% 88%, var(--danger) 90%);
    }
    /* covers the part of the track above the level */
    .rest {
      transform-origin: right center;
      background: var(--surface-sunken);
      transition: transform 60ms linear;
    }
    :host(:not(.active)) .fill {
      opacity: 0.35;
    }
  `,
})
export class LevelMeter {
  /** 0..1. */
  readonly level = input.required<number>();
  readonly active = input(false);
  protected readonly percent = computed(() =>
    Math.round(Math.min(1, Math.max(0, this.level())) * 100),
  );
  protected readonly zone = computed(() => levelZone(this.percent() / 100));
  protected readonly valueText = computed(() => {
    if (!this.active()) {
      return 'microphone not open';
    }
    const zone = this.zone();
    const note = zone === 'clipping' ? ', too loud' : zone === 'loud' ? ', loud' : '';
    return `${this.percent()} percent${note}`;
  });
}
