import { InjectionToken } from '@angular/core';

/**
 * Every browser API the services touch, behind one token so that unit tests can hand in
 * fakes (a scripted RTCPeerConnection, WebSocket, EventSource, fetch) without a real network.
 */
export interface BrowserApis {
  fetch(input: string, init?: RequestInit): Promise<Response>;
  createPeerConnection(config: RTCConfiguration): RTCPeerConnection;
  createWebSocket(url: string): WebSocket;
  createEventSource(url: string): EventSource;
  /** Undefined outside a secure context (plain http on anything but localhost). */
  mediaDevices(): MediaDevices | undefined;
  /** Resolves to the microphone permission, or 'unknown' where the Permissions API cannot tell. */
  microphonePermission(): Promise<PermissionState | 'unknown'>;
  createAudioContext(): AudioContext;
  requestAnimationFrame(callback: () => void): number;
  cancelAnimationFrame(handle: number): void;
  storage(): Pick<Storage, 'getItem' | 'setItem'> | null;
  writeClipboard(text: string): Promise<void>;
  /** Offers a file to the person (a download). */
  saveFile(blob: Blob, fileName: string): void;
  /** The page's location: decides ws: or wss: and the host of the WebSocket. */
  location(): { protocol: string; host: string };
  now(): number;
}

function browserApis(): BrowserApis {
  return {
    fetch: (input, init) => fetch(input, init),
    createPeerConnection: (config) => new RTCPeerConnection(config),
    createWebSocket: (url) => new WebSocket(url),
    createEventSource: (url) => new EventSource(url),
    mediaDevices: () => (typeof navigator === 'undefined' ? undefined : navigator.mediaDevices),
    microphonePermission: async () => {
      try {
        const status = await navigator.permissions.query({
          name: 'microphone' as PermissionName,
        });
        return status.state;
      } catch {
        return 'unknown';
      }
    },
    createAudioContext: () => new AudioContext(),
    requestAnimationFrame: (callback) => requestAnimationFrame(callback),
    cancelAnimationFrame: (handle) => cancelAnimationFrame(handle),
    storage: () => {
      try {
        return window.localStorage;
      } catch {
        return null; // storage disabled (privacy settings): choices are simply not remembered
      }
    },
    writeClipboard: async (text) => {
      if (!navigator.clipboard) {
        throw new Error('clipboard unavailable');
      }
      await navigator.clipboard.writeText(text);
    },
    saveFile: (blob, fileName) => {
      const url = URL.createObjectURL(blob);
      const anchor = document.createElement('a');
      anchor.href = url;
      anchor.download = fileName;
      anchor.rel = 'noopener';
      document.body.append(anchor);
      anchor.click();
      anchor.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    },
    location: () => ({ protocol: window.location.protocol, host: window.location.host }),
    now: () => Date.now(),
  };
}

export const BROWSER_APIS = new InjectionToken<BrowserApis>('BROWSER_APIS', {
  providedIn: 'root',
  factory: browserApis,
});
