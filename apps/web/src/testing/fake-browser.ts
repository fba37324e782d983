/**
 * Scripted stand-ins for the browser's network APIs (fetch, RTCPeerConnection, WebSocket,
 * EventSource, getUserMedia), written for the unit tests. They record what the app did, in
 * order, into one shared log, so that a test can assert the sequence of the contract.
 */
import { BrowserApis } from '../app/shared/browser-apis';

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(value: T): void;
  reject(reason: unknown): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void;
  let reject!: (reason: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

export class FakeResponse {
  readonly ok: boolean;
  readonly statusText = '';
  readonly headers: { get(name: string): string | null };

  constructor(
    readonly status: number,
    private readonly body: unknown,
    headers: Record<string, string> = {},
  ) {
    this.ok = status >= 200 && status < 300;
    const lower = Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
    this.headers = { get: (name) => lower[name.toLowerCase()] ?? null };
  }

  async json(): Promise<unknown> {
    if (typeof this.body === 'string') {
      return JSON.parse(this.body);
    }
    return this.body;
  }

  async blob(): Promise<Blob> {
    return new Blob([typeof this.body === 'string' ? this.body : JSON.stringify(this.body)]);
  }
}

export interface FetchCall {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: unknown;
  credentials?: RequestCredentials;
}

type Handler = (call: FetchCall) => FakeResponse | Promise<FakeResponse>;

/** fetch() answering from routes keyed by "METHOD /path" (the query string is ignored). */
export class FakeFetch {
  readonly calls: FetchCall[] = [];
  readonly #routes = new Map<string, Handler>();
  readonly #waiters = new Map<string, Deferred<FetchCall>>();

  constructor(private readonly log: string[]) {}

  route(key: string, handler: Handler): this {
    this.#routes.set(key, handler);
    return this;
  }

  /** Resolves when the app calls `key`. */
  whenCalled(key: string): Promise<FetchCall> {
    const waiter = deferred<FetchCall>();
    this.#waiters.set(key, waiter);
    return waiter.promise;
  }

  readonly fetch = async (input: string, init: RequestInit = {}): Promise<Response> => {
    const method = init.method ?? 'GET';
    const path = input.split('?')[0];
    const call: FetchCall = {
      method,
      url: input,
      headers: { ...(init.headers as Record<string, string> | undefined) },
      body: typeof init.body === 'string' ? JSON.parse(init.body) : undefined,
      ...(init.credentials ? { credentials: init.credentials } : {}),
    };
    const key = `${method} ${path}`;
    this.calls.push(call);
    this.log.push(`fetch ${key}`);
    this.#waiters.get(key)?.resolve(call);
    const handler = this.#routes.get(key);
    if (!handler) {
      throw new TypeError(`Failed to fetch (no route for ${key})`);
    }
    return (await handler(call)) as unknown as Response;
  };
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}) {
  return new FakeResponse(status, body, { 'Content-Type': 'application/json', ...headers });
}

export class FakePeerConnection {
  connectionState: RTCPeerConnectionState = 'new';
  iceConnectionState: RTCIceConnectionState = 'new';
  iceGatheringState: RTCIceGatheringState = 'new';
  localDescription: RTCSessionDescriptionInit | null = null;
  remoteDescription: RTCSessionDescriptionInit | null = null;
  readonly addedCandidates: RTCIceCandidateInit[] = [];
  readonly tracks: MediaStreamTrack[] = [];
  statsReport = new Map<string, Record<string, unknown>>();
  getStatsCalls = 0;
  closed = false;

  onicecandidate: ((event: { candidate: Partial<RTCIceCandidate> | null }) => void) | null = null;
  onicegatheringstatechange: (() => void) | null = null;
  oniceconnectionstatechange: (() => void) | null = null;
  onconnectionstatechange: (() => void) | null = null;

  constructor(
    readonly config: RTCConfiguration,
    private readonly log: string[],
  ) {
    log.push('pc new');
  }

  addTrack(track: MediaStreamTrack): void {
    this.tracks.push(track);
    this.log.push('pc addTrack');
  }

  async createOffer(): Promise<RTCSessionDescriptionInit> {
    this.log.push('pc createOffer');
    return { type: 'offer', sdp: 'v=0 offer' };
  }

  async setLocalDescription(description: RTCSessionDescriptionInit): Promise<void> {
    this.log.push(`pc setLocalDescription ${description.type}`);
    this.localDescription = description;
  }

  async setRemoteDescription(description: RTCSessionDescriptionInit): Promise<void> {
    this.log.push(`pc setRemoteDescription ${description.type}`);
    this.remoteDescription = description;
  }

  async addIceCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    if (!this.remoteDescription) {
      // what a real RTCPeerConnection does
      throw new DOMException('no remote description', 'InvalidStateError');
    }
    this.log.push(`pc addIceCandidate ${candidate.candidate}`);
    this.addedCandidates.push(candidate);
  }

  async getStats(): Promise<Map<string, Record<string, unknown>>> {
    this.getStatsCalls++;
    return this.statsReport;
  }

  close(): void {
    this.closed = true;
    this.log.push('pc close');
  }

  /** The browser found a local candidate (null: gathering finished). */
  gather(candidate: string | null): void {
    this.onicecandidate?.({
      candidate:
        candidate === null
          ? null
          : { candidate, sdpMid: '0', sdpMLineIndex: 0, usernameFragment: 'ufrag' },
    });
  }

  setConnectionState(state: RTCPeerConnectionState): void {
    this.connectionState = state;
    this.onconnectionstatechange?.();
  }

  setGatheringState(state: RTCIceGatheringState): void {
    this.iceGatheringState = state;
    this.onicegatheringstatechange?.();
  }
}

export class FakeWebSocket {
  readyState = 0;
  readonly sent: unknown[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  closedWith: number | null = null;

  constructor(
    readonly url: string,
    private readonly log: string[],
  ) {
    log.push('ws new');
  }

  send(data: string): void {
    if (this.readyState !== 1) {
      throw new DOMException('not open', 'InvalidStateError');
    }
    const message = JSON.parse(data) as { type: string };
    this.log.push(`ws send ${message.type}`);
    this.sent.push(message);
  }

  close(code = 1000): void {
    this.closedWith = code;
    this.readyState = 3;
    this.log.push('ws close');
  }

  /** The server accepted the upgrade. */
  open(): void {
    this.readyState = 1;
    this.onopen?.();
  }

  /** A message from the server. */
  receive(message: unknown): void {
    this.onmessage?.({ data: typeof message === 'string' ? message : JSON.stringify(message) });
  }

  /** The server closed the socket. */
  serverClose(code: number, reason = ''): void {
    this.readyState = 3;
    this.onclose?.({ code, reason });
  }
}

type Listener = (event: unknown) => void;

export class FakeEventSource {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSED = 2;
  readyState = FakeEventSource.CONNECTING;
  onopen: (() => void) | null = null;
  readonly #listeners = new Map<string, Listener[]>();

  constructor(readonly url: string) {}

  addEventListener(type: string, listener: Listener): void {
    this.#listeners.set(type, [...(this.#listeners.get(type) ?? []), listener]);
  }

  close(): void {
    this.readyState = FakeEventSource.CLOSED;
  }

  open(): void {
    this.readyState = FakeEventSource.OPEN;
    this.onopen?.();
  }

  /** One SSE event from the server: `event: type`, `id: id`, `data: JSON`. */
  emit(type: string, id: number, data: unknown): void {
    const event = { type, data: JSON.stringify(data), lastEventId: String(id) };
    this.#listeners.get(type)?.forEach((listener) => listener(event));
  }

  /** A connection error: EventSource either retries by itself (CONNECTING) or gives up (CLOSED). */
  fail(state: 'retrying' | 'gave-up'): void {
    this.readyState = state === 'retrying' ? FakeEventSource.CONNECTING : FakeEventSource.CLOSED;
    const event = { type: 'error' }; // a plain Event: no data
    this.#listeners.get('error')?.forEach((listener) => listener(event));
  }
}

export class FakeTrack {
  readyState: 'live' | 'ended' = 'live';
  onended: (() => void) | null = null;
  stopped = false;
  readonly kind = 'audio';

  stop(): void {
    this.stopped = true;
    this.readyState = 'ended';
  }
}

export class FakeMediaStream {
  readonly track = new FakeTrack();
  getAudioTracks(): FakeTrack[] {
    return [this.track];
  }
  getTracks(): FakeTrack[] {
    return [this.track];
  }
}

/** Everything above behind one BrowserApis, plus what the app created, for assertions. */
export class FakeBrowser {
  readonly log: string[] = [];
  /** A server older than `GET /api/web-config` (404): no credential needed, as before it. */
  readonly http = new FakeFetch(this.log).route('GET /api/web-config', () =>
    json(404, { error: { code: 'not_found', message: 'Cannot GET /api/web-config' } }),
  );
  readonly peerConnections: FakePeerConnection[] = [];
  readonly sockets: FakeWebSocket[] = [];
  readonly eventSources: FakeEventSource[] = [];
  readonly streams: FakeMediaStream[] = [];
  readonly savedFiles: { fileName: string; blob: Blob }[] = [];
  readonly storage = new Map<string, string>();
  readonly clipboard: string[] = [];
  location = { protocol: 'http:', host: 'localhost:3000' };
  nowMs = Date.UTC(2025, 0, 1, 12, 0, 0);
  /** Set to make getUserMedia fail with a DOMException of this name. */
  getUserMediaError: string | null = null;
  /** Set to false to act like an insecure page (no navigator.mediaDevices). */
  hasMediaDevices = true;

  get pc(): FakePeerConnection {
    const pc = this.peerConnections.at(-1);
    if (!pc) throw new Error('no RTCPeerConnection was created');
    return pc;
  }

  get socket(): FakeWebSocket {
    const socket = this.sockets.at(-1);
    if (!socket) throw new Error('no WebSocket was created');
    return socket;
  }

  get eventSource(): FakeEventSource {
    const source = this.eventSources.at(-1);
    if (!source) throw new Error('no EventSource was created');
    return source;
  }

  readonly apis: BrowserApis = {
    fetch: (input, init) => this.http.fetch(input, init),
    createPeerConnection: (config) => {
      const pc = new FakePeerConnection(config, this.log);
      this.peerConnections.push(pc);
      return pc as unknown as RTCPeerConnection;
    },
    createWebSocket: (url) => {
      const socket = new FakeWebSocket(url, this.log);
      this.sockets.push(socket);
      return socket as unknown as WebSocket;
    },
    createEventSource: (url) => {
      const source = new FakeEventSource(url);
      this.eventSources.push(source);
      return source as unknown as EventSource;
    },
    mediaDevices: () => {
      if (!this.hasMediaDevices) {
        return undefined;
      }
      return {
        addEventListener: () => undefined,
        enumerateDevices: async () => [
          { kind: 'audioinput', deviceId: 'mic-1', label: 'USB microphone', groupId: 'g' },
        ],
        getUserMedia: async () => {
          this.log.push('getUserMedia');
          if (this.getUserMediaError) {
            throw new DOMException('refused', this.getUserMediaError);
          }
          const stream = new FakeMediaStream();
          this.streams.push(stream);
          return stream;
        },
      } as unknown as MediaDevices;
    },
    microphonePermission: async () => 'prompt',
    createAudioContext: () => {
      throw new Error('no Web Audio in unit tests');
    },
    requestAnimationFrame: () => 0,
    cancelAnimationFrame: () => undefined,
    storage: () => ({
      getItem: (key) => this.storage.get(key) ?? null,
      setItem: (key, value) => void this.storage.set(key, value),
    }),
    writeClipboard: async (text) => void this.clipboard.push(text),
    saveFile: (blob, fileName) => void this.savedFiles.push({ blob, fileName }),
    location: () => this.location,
    now: () => this.nowMs,
  };
}

export const GRANT = {
  sessionId: 's1',
  token: 'tok',
  iceServers: [{ urls: 'stun:stun.example.org:3478' }],
  expiresAt: '2025-01-01T13:00:00.000Z',
};
