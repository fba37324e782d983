import { inject, Injectable, signal } from '@angular/core';
import { SignalingChannel, type SocketState } from '@whisperstream/client';
import { CreateSessionResponse, IceCandidateInit } from '@whisperstream/shared-types';
import { Observable, Subject } from 'rxjs';
import { BROWSER_APIS } from '../shared/browser-apis';
import { WHISPERSTREAM_CLIENT } from './api-client';

export type SessionGrant = CreateSessionResponse;
export type { SocketState } from '@whisperstream/client';
export { SOCKET_REOPEN_DELAYS_MS } from '@whisperstream/client';

export type SignalingEvent =
  | { type: 'connection-state'; state: RTCPeerConnectionState }
  | { type: 'server-error'; code: string; message: string }
  | { type: 'socket-closed'; code: number; reason: string };

export interface TransportStats {
  packetsSent: number | null;
  roundTripTimeMs: number | null;
}

export const STATS_INTERVAL_MS = 1000;

/** Thrown by `connect()` when `close()` ran while it was still negotiating. */
export class SignalingClosedError extends Error {
  override readonly name = 'SignalingClosedError';
}

/**
 * One WebRTC connection to the server, following the contract in ARCHITECTURE.md:
 * `POST /api/sessions` -> peer connection -> offer -> `POST .../offer` -> answer, with trickle ICE
 * over `/ws` in both directions. The HTTP calls, the socket and the candidate-buffering rule
 * (own candidates wait for the socket, the server's for the remote description) are the client
 * library's (libs/client); this service owns the browser's RTCPeerConnection and its signals.
 */
@Injectable({ providedIn: 'root' })
export class SignalingClient {
  readonly #apis = inject(BROWSER_APIS);
  readonly #client = inject(WHISPERSTREAM_CLIENT);
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
  #channel: SignalingChannel | null = null;
  #statsTimer: ReturnType<typeof setInterval> | null = null;
  #closed = true;

  /**
   * `POST /api/sessions`; `credential` (a client token or API key) goes as
   * `Authorization: Bearer` when the server wants one.
   */
  createSession(language: string | null, credential: string | null = null): Promise<SessionGrant> {
    return this.#client.createSession(language ? { language } : {}, { auth: credential });
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
        this.#channel?.sendCandidate(null);
      }
    };
    pc.oniceconnectionstatechange = () => this.iceConnectionState.set(pc.iceConnectionState);
    pc.onconnectionstatechange = () => this.#onConnectionState(pc.connectionState);
    pc.addTrack(track, stream);

    const channel = this.#client.signaling(grant, {
      addRemoteCandidate: (candidate) => this.#addRemoteCandidate(pc, candidate),
      onServerMessage: (message) => {
        switch (message.type) {
          case 'candidate':
            this.remoteCandidates.update((n) => n + 1);
            break;
          case 'end-of-candidates':
            this.remoteGatheringComplete.set(true);
            break;
          case 'error':
            this.#events.next({
              type: 'server-error',
              code: message.code,
              message: message.message,
            });
            break;
        }
      },
      onSocketState: (state) => this.socketState.set(state),
      onSocketClosed: (code, reason) => this.#events.next({ type: 'socket-closed', code, reason }),
    });
    this.#channel = channel;
    channel.open();

    const offer = await pc.createOffer();
    this.#assertOpen();
    await pc.setLocalDescription(offer);
    this.#assertOpen();
    const answer = await this.#client.sendOffer(grant, pc.localDescription?.sdp ?? offer.sdp ?? '');
    this.#assertOpen();
    await pc.setRemoteDescription(answer);
    this.#assertOpen();
    await channel.remoteDescriptionApplied();
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
    if (options.sayBye) {
      this.#channel?.bye();
    }
    this.#teardown();
    if (options.sayBye && grant) {
      await this.deleteSession(grant);
    }
  }

  /** `DELETE /api/sessions/{id}`; a session the server already forgot is fine. */
  async deleteSession(grant: SessionGrant): Promise<void> {
    try {
      await this.#client.deleteSession(grant);
    } catch {
      // already ended, or the server is gone: either way nothing is left to stop
    }
  }

  async #addRemoteCandidate(
    pc: RTCPeerConnection,
    candidate: IceCandidateInit | null,
  ): Promise<void> {
    if (candidate === null || this.#pc !== pc) {
      return; // the server's end-of-candidates only shows in remoteGatheringComplete
    }
    try {
      await pc.addIceCandidate(candidate);
    } catch {
      // one unusable candidate (e.g. an address family this host lacks) is not fatal
    }
  }

  #onLocalCandidate(candidate: RTCIceCandidate | null): void {
    if (this.#closed) {
      return;
    }
    if (candidate === null) {
      this.#channel?.sendCandidate(null);
      return;
    }
    if (!candidate.candidate) {
      return; // an empty candidate marks the end of one generation; null follows
    }
    this.localCandidates.update((n) => n + 1);
    this.#channel?.sendCandidate({
      candidate: candidate.candidate,
      sdpMid: candidate.sdpMid,
      sdpMLineIndex: candidate.sdpMLineIndex,
      usernameFragment: candidate.usernameFragment,
    });
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
    const channel = this.#channel;
    this.#channel = null;
    channel?.close(1000, 'bye');
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
  }
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
