import { ChangeDetectionStrategy, Component, inject, input, output } from '@angular/core';
import { DEFAULT_DEVICE_ID, Microphone } from './microphone';
import { LevelMeter } from './level-meter';

/** Microphone list, level meter, and a button to open the microphone before starting. */
@Component({
  selector: 'ws-mic-picker',
  changeDetection: ChangeDetectionStrategy.OnPush,
  imports: [LevelMeter],
  template: `
    <label class="field-label" for="mic-select">Microphone</label>
    <div class="row">
      <select
        id="mic-select"
        data-testid="mic-select"
        [disabled]="locked() || !mic.available()"
        (change)="select($event)"
      >
        <option [value]="defaultId" [selected]="mic.selectedDeviceId() === defaultId">
          System default
        </option>
        @for (device of mic.devices(); track device.deviceId) {
          <option [value]="device.deviceId" [selected]="mic.selectedDeviceId() === device.deviceId">
            {{ device.label }}
          </option>
        }
      </select>
      @if (!mic.active() && !locked() && mic.available()) {
        <button type="button" class="secondary" data-testid="mic-test-button" (click)="test()">
          Test microphone
        </button>
      }
    </div>
    <ws-level-meter [level]="mic.level()" [active]="mic.active()" />
    <p class="hint" data-testid="mic-hint">
      @if (!mic.available()) {
        The microphone is only available on https:// pages or on localhost.
      } @else if (mic.active()) {
        The bar moves when you speak.
      } @else if (mic.permission() === 'denied') {
        Microphone access is blocked for this site.
      } @else {
        Press “Test microphone” or Start to check the sound level.
      }
    </p>
  `,
  styles: `
    :host {
      display: grid;
      gap: 0.4rem;
      min-width: 0;
    }
    .row {
      display: flex;
      flex-wrap: wrap;
      gap: 0.5rem;
    }
    select {
      flex: 1 1 12rem;
      min-width: 0;
    }
    .hint {
      margin: 0;
      min-height: 1.3em;
      font-size: 0.85rem;
      color: var(--muted);
    }
  `,
})
export class MicPicker {
  protected readonly mic = inject(Microphone);
  protected readonly defaultId = DEFAULT_DEVICE_ID;
  /** True while a session runs: the microphone cannot change mid-session. */
  readonly locked = input(false);
  /** Opening the microphone failed (the session shows the message). */
  readonly failed = output<unknown>();

  protected async select(event: Event): Promise<void> {
    try {
      await this.mic.select((event.target as HTMLSelectElement).value);
    } catch (error) {
      this.failed.emit(error);
    }
  }

  protected async test(): Promise<void> {
    try {
      await this.mic.preview();
    } catch (error) {
      this.failed.emit(error);
    }
  }
}
