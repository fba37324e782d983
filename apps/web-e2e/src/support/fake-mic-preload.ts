/**
 * A fake microphone and a watch on the page's WebRTC, installed in every document before the
 * app's own scripts run (a CDP or WebDriver BiDi preload script; puppeteer's
 * `page.evaluateOnNewDocument`). It works the same in Chromium and Firefox, which has no
 * fake-audio-from-file switch (docs/TESTING.md, "Firefox"):
 *
 * - `navigator.mediaDevices.getUserMedia({audio})` resolves, without asking for any permission,
 *   to a `MediaStream` from WebAudio (`AudioContext.createMediaStreamDestination`). The browser
 *   thus never records a microphone permission, and offers the ICE candidates it offers
 *   without one (mDNS names instead of IP addresses).
 * - The stream carries silence until a peer connection sending its track is `connected`; then
 *   it plays the clip once (a WAV, handed in as base64: it does not come from the app's
 *   server), then silence again. Every session thus hears the clip from its start, however
 *   long setting up the connection took.
 * - `enumerateDevices()` lists that one microphone (the app's microphone picker) and the
 *   browser's other devices.
 * - Every `RTCPeerConnection` is watched: the candidates it offered, by kind, end-of-candidates,
 *   its connection states; so are the clicks on Start, the state label's states and each
 *   `POST /api/sessions`. All times are the page's `performance.now()`.
 *
 * This project compiles without the DOM library (see in-page.ts), so the few browser APIs used
 * here are typed by the small interfaces below.
 */

/** The id and label of the fake microphone in `enumerateDevices()`. */
export const FAKE_MIC_DEVICE_ID = 'whisperstream-fake-microphone';
export const FAKE_MIC_LABEL = 'WhisperStream test microphone (fixture)';

/** What the page's browser offered, one count per candidate (the first kind that matches). */
export interface CandidateCounts {
  /** Any candidate of component 2 (RTCP without rtcp-mux, which the server does not use). */
  component2: number;
  /** TCP candidates of component 1 (Firefox: `tcptype active` on port 9). */
  tcp: number;
  /** UDP host candidates of component 1 with an mDNS name (`<uuid>.local`) for an address. */
  mdns: number;
  /** UDP host candidates of component 1 with an IP address. */
  hostIp: number;
  /** Anything else (server-reflexive, relay). */
  other: number;
}

/** One `RTCPeerConnection` of the page. */
export interface PeerReport {
  createdAt: number;
  /** The latest `POST /api/sessions` before this connection was made. */
  sessionRequestedAt: number | null;
  candidates: CandidateCounts;
  /** A null or empty candidate (Firefox sends both) was seen. */
  endOfCandidates: boolean;
  /** The candidates as offered, for a failure's report (mDNS names are random per page). */
  raw: string[];
  connectionStates: Array<{ at: number; state: string }>;
  iceStates: Array<{ at: number; state: string }>;
  connectedAt: number | null;
  /** When the clip started playing into this connection. */
  clipStartedAt: number | null;
}

/** What the preload keeps in the page, as `globalThis.__whisperstreamE2e`. */
export interface PageWatch {
  getUserMediaCalls: number;
  /** How long each getUserMedia took (the first starts the fake microphone's AudioContext). */
  micOpenMs: number[];
  /** Clicks on Start. */
  startClicks: number[];
  /** `data-state` of the state label, each change. */
  states: Array<{ at: number; state: string }>;
  /** Each `POST /api/sessions`, and the session id it was answered with. */
  sessionRequests: Array<{ at: number; sessionId: string | null }>;
  /** When the number of final transcript lines grew. */
  finalLines: number[];
  peers: PeerReport[];
  /** Failures of the fake microphone itself (decoding the clip, WebAudio). */
  errors: string[];
}

export const WATCH_KEY = '__whisperstreamE2e';

// ---------- the page's APIs, as far as the preload uses them ----------

interface PageTrack {
  kind: string;
  readyState: string;
  stop(): void;
}
interface PageStream {
  getAudioTracks(): PageTrack[];
}
interface PageAudioNode {
  connect(destination: PageAudioNode): void;
  disconnect(): void;
}
interface PageAudioContext {
  state: string;
  decodeAudioData(data: ArrayBuffer): Promise<unknown>;
  createMediaStreamDestination(): PageAudioNode & { stream: PageStream; channelCount: number };
  createBufferSource(): PageAudioNode & { buffer: unknown; start(): void };
  resume(): Promise<void>;
  close(): Promise<void>;
}
interface PageEventTarget {
  addEventListener(type: string, listener: (event: unknown) => void, capture?: boolean): void;
}
interface PagePeerConnection extends PageEventTarget {
  connectionState: string;
  iceConnectionState: string;
  getSenders(): Array<{ track: PageTrack | null }>;
}
interface PageDeviceInfo {
  kind: string;
  deviceId: string;
  label: string;
  groupId: string;
}
interface PageMediaDevices {
  getUserMedia(constraints?: { audio?: unknown; video?: unknown }): Promise<PageStream>;
  enumerateDevices(): Promise<PageDeviceInfo[]>;
}
interface PageResponse {
  ok: boolean;
  clone(): PageResponse;
  json(): Promise<unknown>;
}
interface PageElement {
  closest(selector: string): PageElement | null;
  getAttribute(name: string): string | null;
}
interface PageGlobals {
  AudioContext: new () => PageAudioContext;
  RTCPeerConnection: new (...args: unknown[]) => PagePeerConnection;
  DOMException: new (message: string, name: string) => Error;
  MutationObserver: new (callback: () => void) => {
    observe(target: unknown, options: Record<string, unknown>): void;
  };
  navigator: { mediaDevices?: PageMediaDevices };
  document: PageEventTarget & {
    querySelector(selector: string): PageElement | null;
    querySelectorAll(selector: string): { length: number };
  };
  fetch: (input: unknown, init?: { method?: string }) => Promise<PageResponse>;
  atob(data: string): string;
  [WATCH_KEY]?: PageWatch;
}

/**
 * The preload itself. It runs in the page, serialised by puppeteer: it may use nothing from
 * this module but its arguments (constants are passed in for that reason).
 */
export function fakeMicPreload(
  wavBase64: string,
  deviceId: string,
  label: string,
  watchKey: string,
): void {
  const page = globalThis as unknown as PageGlobals;
  const now = () => performance.now();
  const watch: PageWatch = {
    getUserMediaCalls: 0,
    micOpenMs: [],
    startClicks: [],
    states: [],
    sessionRequests: [],
    finalLines: [],
    peers: [],
    errors: [],
  };
  (page as unknown as Record<string, unknown>)[watchKey] = watch;

  // ---- the clip, decoded once per AudioContext ----
  const binary = page.atob(wavBase64);
  const wavBytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) {
    wavBytes[i] = binary.charCodeAt(i);
  }
  /** Plays the clip into a stream once; by the stream's track. */
  const players = new Map<PageTrack, () => void>();
  /**
   * One AudioContext for the page's life, with the clip decoded in it: the first one a
   * Firefox page starts takes about 1.7 s here (its PulseAudio stream), and a context for each
   * session paid that again every time, which no real microphone costs.
   */
  let opening: Promise<{ context: PageAudioContext; clip: unknown }> | null = null;
  const audio = () => {
    opening ??= (async () => {
      const context = new page.AudioContext();
      let clip: unknown;
      try {
        clip = await context.decodeAudioData(wavBytes.slice().buffer);
      } catch (error) {
        watch.errors.push(`decodeAudioData: ${String(error)}`);
        throw new page.DOMException('the fake microphone cannot play its clip', 'NotReadableError');
      }
      return { context, clip };
    })();
    return opening.then(async (opened) => {
      if (opened.context.state !== 'running') {
        await opened.context.resume().catch((error: unknown) => {
          watch.errors.push(`AudioContext.resume: ${String(error)}`);
        });
      }
      if (opened.context.state !== 'running') {
        watch.errors.push(`AudioContext is ${opened.context.state}, not running`);
      }
      return opened;
    });
  };

  const media = page.navigator.mediaDevices;
  if (media) {
    const nativeEnumerate = media.enumerateDevices.bind(media);
    const device: PageDeviceInfo & { toJSON(): unknown } = {
      kind: 'audioinput',
      deviceId,
      label,
      groupId: deviceId,
      toJSON: () => ({ kind: 'audioinput', deviceId, label, groupId: deviceId }),
    };
    media.enumerateDevices = async () => {
      let others: PageDeviceInfo[] = [];
      try {
        others = (await nativeEnumerate()).filter((d) => d.kind !== 'audioinput');
      } catch {
        others = [];
      }
      return [device, ...others];
    };

    media.getUserMedia = async (constraints) => {
      watch.getUserMediaCalls++;
      if (!constraints?.audio || constraints.video) {
        throw new page.DOMException('the fake microphone has audio only', 'NotFoundError');
      }
      const wanted = (constraints.audio as { deviceId?: unknown }).deviceId;
      const exact =
        typeof wanted === 'object' && wanted !== null
          ? (wanted as { exact?: unknown }).exact
          : undefined;
      if (exact !== undefined && exact !== deviceId) {
        throw new page.DOMException(`no microphone ${String(exact)}`, 'OverconstrainedError');
      }
      const openedAt = now();
      const { context, clip } = await audio();
      const destination = context.createMediaStreamDestination();
      destination.channelCount = 1;
      const stream = destination.stream;
      const track = stream.getAudioTracks()[0];
      let source: ReturnType<PageAudioContext['createBufferSource']> | null = null;
      players.set(track, () => {
        if (source === null) {
          source = context.createBufferSource();
          source.buffer = clip;
          source.connect(destination);
          source.start();
        }
      });
      const stopTrack = track.stop.bind(track);
      track.stop = () => {
        stopTrack();
        players.delete(track);
        source?.disconnect();
      };
      watch.micOpenMs.push(Math.round(now() - openedAt));
      return stream;
    };
  }

  // ---- every RTCPeerConnection ----
  const Native = page.RTCPeerConnection;
  if (Native) {
    const classify = (report: PeerReport, candidate: string) => {
      // candidate:<foundation> <component> <transport> <priority> <address> <port> typ <type>
      const [, component, transport, , address, , , type] = candidate
        .replace(/^candidate:/, '')
        .split(/\s+/);
      const counts = report.candidates;
      if (component === '2') counts.component2++;
      else if (transport?.toLowerCase() === 'tcp') counts.tcp++;
      else if (type === 'host' && address?.endsWith('.local')) counts.mdns++;
      else if (type === 'host') counts.hostIp++;
      else counts.other++;
    };
    class WatchedPeerConnection extends Native {
      constructor(...args: unknown[]) {
        super(...args);
        const report: PeerReport = {
          createdAt: now(),
          sessionRequestedAt: watch.sessionRequests.at(-1)?.at ?? null,
          candidates: { component2: 0, tcp: 0, mdns: 0, hostIp: 0, other: 0 },
          endOfCandidates: false,
          raw: [],
          connectionStates: [],
          iceStates: [],
          connectedAt: null,
          clipStartedAt: null,
        };
        watch.peers.push(report);
        this.addEventListener('icecandidate', (event) => {
          const candidate = (event as { candidate: { candidate: string } | null }).candidate;
          if (candidate === null || candidate.candidate === '') {
            report.endOfCandidates = true;
            return;
          }
          report.raw.push(candidate.candidate);
          classify(report, candidate.candidate);
        });
        this.addEventListener('iceconnectionstatechange', () => {
          report.iceStates.push({ at: now(), state: this.iceConnectionState });
        });
        this.addEventListener('connectionstatechange', () => {
          const at = now();
          report.connectionStates.push({ at, state: this.connectionState });
          if (this.connectionState === 'connected' && report.connectedAt === null) {
            report.connectedAt = at;
            for (const sender of this.getSenders()) {
              const play = sender.track ? players.get(sender.track) : undefined;
              if (play) {
                play();
                report.clipStartedAt = now();
              }
            }
          }
        });
      }
    }
    page.RTCPeerConnection = WatchedPeerConnection;
  }

  // ---- session requests ----
  const nativeFetch = page.fetch.bind(page);
  page.fetch = (input, init) => {
    const url = typeof input === 'string' ? input : String((input as { url?: string }).url);
    const response = nativeFetch(input, init);
    if ((init?.method ?? 'GET').toUpperCase() === 'POST' && /\/api\/sessions\/?$/.test(url)) {
      const request = { at: now(), sessionId: null as string | null };
      watch.sessionRequests.push(request);
      void response
        .then((answer) => (answer.ok ? answer.clone().json() : null))
        .then((body) => {
          const id = (body as { sessionId?: unknown } | null)?.sessionId;
          request.sessionId = typeof id === 'string' ? id : null;
        })
        .catch(() => undefined);
    }
    return response;
  };

  // ---- clicks on Start, and the states the page shows ----
  page.document.addEventListener(
    'click',
    (event) => {
      const target = (event as { target: PageElement | null }).target;
      if (target?.closest?.('[data-testid="start-button"]')) {
        watch.startClicks.push(now());
      }
    },
    true,
  );
  let finals = 0;
  const observer = new page.MutationObserver(() => {
    const shown = page.document.querySelectorAll('[data-testid="transcript-line-final"]').length;
    if (shown > finals) {
      watch.finalLines.push(now());
    }
    finals = shown;
    const state = page.document
      .querySelector('[data-testid="state-label"]')
      ?.getAttribute('data-state');
    if (state && watch.states.at(-1)?.state !== state) {
      watch.states.push({ at: now(), state });
    }
  });
  observer.observe(page.document, {
    subtree: true,
    childList: true,
    attributes: true,
    attributeFilter: ['data-state'],
  });
}
