import { inject, Injectable, signal } from '@angular/core';
import {
  ClientMessage,
  CreateSessionResponse,
  CreateSessionResponseSchema,
  IceCandidateInit,
  SdpAnswerSchema,
  SdpOfferSchema,
  ServerMessageSchema,
} from '@whisperstream/shared-types';
import { Observable, Subject } from 'rxjs';
import * as z from 'zod';
import { BROWSER_APIS } from '../shared/browser-apis';
import { bearer, ProtocolError, request } from './http';

export type SessionGrant = CreateSessionResponse;
export type SocketState = 'idle' | 'connecting' | 'open' | 'closed';

export type SignalingEvent =
  | { type: 'connection-state'; state: RTCPeerConnectionState }
  | { type: 'server-error'; code: string; message: string }
  | { type: 'socket-closed'; code: number; reason: string };

export interface TransportStats {
  packetsSent: number | null;
  roundTripTimeMs: number | null;
}

export const STATS_INTERVAL_MS = 1000;
/**
 * Delays before reopening a signaling socket that dropped. Trickle ICE is over once the peer
 * connection is up, but the server ends a session whose socket stays gone for its
 * `WS_GRACE_MS` (10 s by default, error `socket_gone`), so a socket dropped by a proxy's idle
 * timeout or a network blip is reopened within that time; the server takes the new one in place
 * of the old and sends what it kept meanwhile.
 */
export const SOCKET_REOPEN_DELAYS_MS = [500, 1000, 2000, 4000];
/** Closes after which reopening is pointless: the session ended, the socket was refused or replaced. */
const FINAL_CLOSE_CODES = new Set([1000, 1008, 4000]);
const WS_OPEN = 1;

/** Thrown by `connect()` when `close()` ran while it was still negotiating. */
export class SignalingClosedError extends Error {
  override readonly name = 'SignalingClosedError';
}

/**
 * One WebRTC connection to the server, following the contract in ARCHITECTURE.md:
 * `POST /api/sessions` -> peer connection -> offer -> `POST .../offer` -> answer, with trickle ICE
 * over `/ws` in both directions. Own candidates wait until the socket is open; the server's wait
 * until the remote description is set.
 */
@Injectable({ providedIn: 'root' })
export class SignalingClient {
  readonly #apis = inject(BROWSER_APIS);
  readonly #events = new Subject<SignalingEvent>();
  readonly events$: Observable<SignalingEvent> = this.#events.asObservable();

  readonly connectionState = signal<RTCPeerConnectionState>('new');
  readonly iceConnectionState = signal<RTCIceConnectionState>('new');
  readonly iceGatheringState = signal<RTCIceGatheringState>('new');
  readonly socketState = signal<SocketState>('idle');
  readonly localCandidates = signal(0);
  readonly remoteCandidates = signal(0);
  readonly remoteGatheringComplete = signal(false);
  readonly stats = signal<TransportStats>({ packetsSent: null, roundTripTimeMs: null });

  #grant: SessionGrant | null = null;
  #pc: RTCPeerConnection | null = null;
  #socket: WebSocket | null = null;
  /** Messages for the server, waiting for the socket to open. */
  #outbox: ClientMessage[] = [];
  /** The server's candidates, waiting for the remote description. */
  #remoteInbox: IceCandidateInit[] = [];
  #remoteDescriptionSet = false;
  #endOfCandidatesSent = false;
  #statsTimer: ReturnType<typeof setInterval> | null = null;
  #reopenTimer: ReturnType<typeof setTimeout> | null = null;
  #socketFailures = 0;
  #closed = true;

  /** `POST /api/sessions`. */
  async createSession(language: string | null): Promise<SessionGrant> {
    const response = await request(this.#apis, '/api/sessions', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(language ? { language } : {}),
    });
    return parseBody(CreateSessionResponseSchema, response, 'POST /api/sessions');
  }

  /** Negotiates the peer connection for `grant` and sends `track` once it connects. */
  async connect(grant: SessionGrant, track: MediaStreamTrack, stream: MediaStream): Promise<void> {
    this.#teardown();
    this.#reset();
    this.#closed = false;
    this.#grant = grant;

    const pc = this.#apis.createPeerConnection({ iceServers: grant.iceServers });
    this.#pc = pc;
    pc.onicecandidate = (event) => this.#onLocalCandidate(event.candidate);
    pc.onicegatheringstatechange = () => {
      this.iceGatheringState.set(pc.iceGatheringState);
      if (pc.iceGatheringState === 'complete') {
        this.#sendEndOfCandidates();
      }
    };
    pc.oniceconnectionstatechange = () => this.iceConnectionState.set(pc.iceConnectionState);
    pc.onconnectionstatechange = () => this.#onConnectionState(pc.connectionState);
    pc.addTrack(track, stream);

    this.#openSocket(grant);

    const offer = await pc.createOffer();
    this.#assertOpen();
    await pc.setLocalDescription(offer);
    this.#assertOpen();
    const body = SdpOfferSchema.parse({
      type: 'offer',
      sdp: pc.localDescription?.sdp ?? offer.sdp ?? '',
    });
    const response = await request(
      this.#apis,
      `/api/sessions/${encodeURIComponent(grant.sessionId)}/offer`,
      {
        method: 'POST',
        headers: { ...bearer(grant.token), 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      },
    );
    const answer = await parseBody(SdpAnswerSchema, response, 'POST /offer');
    this.#assertOpen();
    await pc.setRemoteDescription(answer);
    this.#assertOpen();
    this.#remoteDescriptionSet = true;
    const waiting = this.#remoteInbox;
    this.#remoteInbox = [];
    for (const candidate of waiting) {
      await this.#addRemoteCandidate(pc, candidate);
    }
  }

  /**
   * Ends the connection, once. With `sayBye` the server hears `{type:'bye'}` over the socket, and
   * then `DELETE /api/sessions/{id}` (the bye can be lost when the socket is not open).
   */
  async close(options: { sayBye: boolean }): Promise<void> {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    const grant = this.#grant;
    if (options.sayBye && this.#socket?.readyState === WS_OPEN) {
      this.#socket.send(JSON.stringify({ type: 'bye' } satisfies ClientMessage));
    }
    this.#teardown();
    if (options.sayBye && grant) {
      await this.deleteSession(grant);
    }
  }

  /** `DELETE /api/sessions/{id}`; a session the server already forgot is fine. */
  async deleteSession(grant: SessionGrant): Promise<void> {
    try {
      await request(this.#apis, `/api/sessions/${encodeURIComponent(grant.sessionId)}`, {
        method: 'DELETE',
        headers: bearer(grant.token),
      });
    } catch {
      // already ended, or the server is gone: either way nothing is left to stop
    }
  }

  #openSocket(grant: SessionGrant): void {
    const { protocol, host } = this.#apis.location();
    const scheme = protocol === 'https:' ? 'wss:' : 'ws:';
    const query = `sessionId=${encodeURIComponent(grant.sessionId)}&token=${encodeURIComponent(grant.token)}`;
    const socket = this.#apis.createWebSocket(`${scheme}//${host}/ws?${query}`);
    this.#socket = socket;
    this.socketState.set('connecting');
    socket.onopen = () => {
      if (this.#socket !== socket) {
        return;
      }
      this.socketState.set('open');
      this.#socketFailures = 0;
      const waiting = this.#outbox;
      this.#outbox = [];
      for (const message of waiting) {
        socket.send(JSON.stringify(message));
      }
    };
    socket.onmessage = (event: MessageEvent) => this.#onServerMessage(event.data);
    socket.onclose = (event: CloseEvent) => {
      if (this.#socket !== socket) {
        return;
      }
      this.#socket = null;
      this.socketState.set('closed');
      this.#events.next({ type: 'socket-closed', code: event.code, reason: event.reason });
      this.#reopenSocket(grant, event.code);
    };
  }

  /** Opens the socket again after a drop (see SOCKET_REOPEN_DELAYS_MS), a few times at most. */
  #reopenSocket(grant: SessionGrant, code: number): void {
    const delay = SOCKET_REOPEN_DELAYS_MS[this.#socketFailures];
    if (
      this.#closed ||
      this.#grant !== grant ||
      FINAL_CLOSE_CODES.has(code) ||
      delay === undefined
    ) {
      return;
    }
    this.#socketFailures++;
    this.#reopenTimer = setTimeout(() => {
      this.#reopenTimer = null;
      if (!this.#closed && this.#grant === grant) {
        this.#openSocket(grant);
      }
    }, delay);
  }

  #onServerMessage(data: unknown): void {
    if (typeof data !== 'string') {
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      return; // not in the contract: ignore rather than break a working call
    }
    const parsed = ServerMessageSchema.safeParse(json);
    if (!parsed.success) {
      return;
    }
    const message = parsed.data;
    switch (message.type) {
      case 'candidate':
        this.remoteCandidates.update((n) => n + 1);
        if (this.#remoteDescriptionSet && this.#pc) {
          void this.#addRemoteCandidate(this.#pc, message.candidate);
        } else {
          this.#remoteInbox.push(message.candidate);
        }
        break;
      case 'end-of-candidates':
        this.remoteGatheringComplete.set(true);
        break;
      case 'error':
        this.#events.next({ type: 'server-error', code: message.code, message: message.message });
        break;
    }
  }

  async #addRemoteCandidate(pc: RTCPeerConnection, candidate: IceCandidateInit): Promise<void> {
    try {
      await pc.addIceCandidate(candidate);
    } catch {
      // one unusable candidate (e.g. an address family this host lacks) is not fatal
    }
  }

  #onLocalCandidate(candidate: RTCIceCandidate | null): void {
    if (candidate === null) {
      this.#sendEndOfCandidates();
      return;
    }
    if (!candidate.candidate) {
      return; // an empty candidate marks the end of one generation; null follows
    }
    this.localCandidates.update((n) => n + 1);
    this.#send({
      type: 'candidate',
      candidate: {
        candidate: candidate.candidate,
        sdpMid: candidate.sdpMid,
        sdpMLineIndex: candidate.sdpMLineIndex,
        usernameFragment: candidate.usernameFragment,
      },
    });
  }

  #sendEndOfCandidates(): void {
    if (this.#endOfCandidatesSent) {
      return;
    }
    this.#endOfCandidatesSent = true;
    this.#send({ type: 'end-of-candidates' });
  }

  #send(message: ClientMessage): void {
    if (this.#closed) {
      return;
    }
    if (this.#socket?.readyState === WS_OPEN) {
      this.#socket.send(JSON.stringify(message));
    } else {
      this.#outbox.push(message);
    }
  }

  #onConnectionState(state: RTCPeerConnectionState): void {
    this.connectionState.set(state);
    if (state === 'connected') {
      this.#startStats();
    } else if (state === 'failed' || state === 'closed') {
      this.#stopStats();
    }
    this.#events.next({ type: 'connection-state', state });
  }

  #startStats(): void {
    if (this.#statsTimer !== null) {
      return;
    }
    this.#statsTimer = setInterval(() => void this.#pollStats(), STATS_INTERVAL_MS);
    void this.#pollStats();
  }

  #stopStats(): void {
    if (this.#statsTimer !== null) {
      clearInterval(this.#statsTimer);
      this.#statsTimer = null;
    }
  }

  async #pollStats(): Promise<void> {
    const pc = this.#pc;
    if (!pc) {
      return;
    }
    try {
      const report = await pc.getStats();
      if (pc === this.#pc) {
        this.stats.set(readTransportStats(report));
      }
    } catch {
      // the connection closed between two polls
    }
  }

  #assertOpen(): void {
    if (this.#closed) {
      throw new SignalingClosedError('the connection was closed while negotiating');
    }
  }

  #reset(): void {
    this.#socketFailures = 0;
    this.#outbox = [];
    this.#remoteInbox = [];
    this.#remoteDescriptionSet = false;
    this.#endOfCandidatesSent = false;
    this.connectionState.set('new');
    this.iceConnectionState.set('new');
    this.iceGatheringState.set('new');
    this.socketState.set('idle');
    this.localCandidates.set(0);
    this.remoteCandidates.set(0);
    this.remoteGatheringComplete.set(false);
    this.stats.set({ packetsSent: null, roundTripTimeMs: null });
  }

  /** Closes the socket and the peer connection; counters stay readable for diagnostics. */
  #teardown(): void {
    this.#stopStats();
    if (this.#reopenTimer !== null) {
      clearTimeout(this.#reopenTimer);
      this.#reopenTimer = null;
    }
    const socket = this.#socket;
    this.#socket = null;
    if (socket) {
      socket.onopen = socket.onmessage = socket.onclose = null;
      socket.close(1000, 'bye');
      this.socketState.set('closed');
    }
    const pc = this.#pc;
    this.#pc = null;
    if (pc) {
      pc.onicecandidate = null;
      pc.onicegatheringstatechange = null;
      pc.oniceconnectionstatechange = null;
      pc.onconnectionstatechange = null;
      pc.close();
      this.connectionState.set('closed');
      this.iceConnectionState.set('closed');
    }
    this.#outbox = [];
    this.#remoteInbox = [];
  }
}

async function parseBody<T>(schema: z.ZodType<T>, response: Response, what: string): Promise<T> {
  let json: unknown;
  try {
    json = await response.json();
  } catch (cause) {
    throw new ProtocolError(`${what}: the answer is not JSON`, { cause });
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    throw new ProtocolError(`${what}: the answer does not match the contract`, {
      cause: parsed.error,
    });
  }
  return parsed.data;
}

interface StatsEntry {
  id: string;
  type: string;
  kind?: string;
  packetsSent?: number;
  currentRoundTripTime?: number;
  roundTripTime?: number;
  selectedCandidatePairId?: string;
  nominated?: boolean;
  state?: string;
}

/** Packets sent and the round-trip time of the selected candidate pair, from `pc.getStats()`. */
export function readTransportStats(report: RTCStatsReport): TransportStats {
  const entries: StatsEntry[] = [];
  report.forEach((entry: StatsEntry) => entries.push(entry));
  const outbound = entries.filter(
    (e) => e.type === 'outbound-rtp' && (e.kind ?? 'audio') === 'audio',
  );
  const packetsSent = outbound.length
    ? outbound.reduce((sum, e) => sum + (e.packetsSent ?? 0), 0)
    : null;
  const selectedId = entries.find(
    (e) => e.type === 'transport' && e.selectedCandidatePairId,
  )?.selectedCandidatePairId;
  const pair = entries.find(
    (e) =>
      e.type === 'candidate-pair' &&
      (selectedId ? e.id === selectedId : e.nominated === true && e.state === 'succeeded'),
  );
  const seconds =
    pair?.currentRoundTripTime ??
    entries.find((e) => e.type === 'remote-inbound-rtp')?.roundTripTime;
  return {
    packetsSent,
    roundTripTimeMs: seconds === undefined ? null : Math.round(seconds * 1000),
  };
}
