import { inject, Injectable } from '@angular/core';
import { BROWSER_APIS } from './browser-apis';

const PREFIX = 'whisperstream.';

/** Choices remembered between visits (microphone, language). Never secrets. */
@Injectable({ providedIn: 'root' })
export class Preferences {
  readonly #apis = inject(BROWSER_APIS);

  get(key: 'micDeviceId' | 'language'): string | null {
    try {
      return this.#apis.storage()?.getItem(PREFIX + key) ?? null;
    } catch {
      return null;
    }
  }

  set(key: 'micDeviceId' | 'language', value: string): void {
    try {
      this.#apis.storage()?.setItem(PREFIX + key, value);
    } catch {
      // quota or privacy mode: the choice is just not remembered
    }
  }
}
