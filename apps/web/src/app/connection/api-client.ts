import { inject, InjectionToken } from '@angular/core';
import { WhisperStreamClient, type FetchLike } from '@whisperstream/client';
import { BROWSER_APIS } from '../shared/browser-apis';

/**
 * The page's WhisperStreamClient (libs/client): relative URLs on the page's own origin, over the
 * BrowserApis (so unit tests hand in fakes).
 */
export const WHISPERSTREAM_CLIENT = new InjectionToken<WhisperStreamClient>(
  'WHISPERSTREAM_CLIENT',
  {
    providedIn: 'root',
    factory: () => {
      const apis = inject(BROWSER_APIS);
      return new WhisperStreamClient({
        fetch: (url, init) => (apis.fetch as FetchLike)(url, init),
        webSocket: (url) => apis.createWebSocket(url),
        location: () => apis.location(),
        now: () => apis.now(),
      });
    },
  },
);
