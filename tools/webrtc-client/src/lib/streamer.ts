import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';
import {
  MediaStreamTrack,
  RTCDtlsTransport,
  RTCPeerConnection,
  RTCRtpCodecParameters,
  RtpHeader,
  RtpPacket,
  type RTCIceCandidate,
  type RTCRtpTransceiver,
} from 'werift';
import { installWeriftPatches } from '@whisperstream/werift-patches';
import { TrickleIce } from '@whisperstream/client';
import type { IceCandidateInit, IceServer, ServerMessage } from '@whisperstream/shared-types';
import { ApiClient, type ApiError } from './api-client';
import { FRAME_MS, RTP_TIMESTAMP_STEP } from './opus';
import {
  openRawSocket,
  signalingUrl,
  type RawSocket,
  type ReceivedMessage,
  type ServerErrorMessage,
} from './raw-ws';

/** What the streamer needs from `POST /api/sessions`. */
export interface StreamerSession {
  sessionId: string;
  token: string;
  iceServers?: IceServer[];
}

export interface WebRtcStreamerOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:3000`. */
  baseUrl: string;
  session: StreamerSession;
  /** Open the signaling WebSocket before posting the offer (default) or after the answer. */
  socketTiming?: 'before-offer' | 'after-answer';
  /** `performance.now()` at the start to measure from (e.g. just before POST /api/sessions). */
  startMark?: number;
  /** Extra host addresses for ICE (default `['127.0.0.1']`: werift leaves loopback out). */
  iceAdditionalHostAddresses?: string[];
  /** ICE servers to use (default: the session's `iceServers`). */
  iceServers?: IceServer[];
  /** Sent as the WebSocket's `Origin` header. */
  origin?: string;
  /** How long `connect()` waits for ICE + DTLS (default 20 s). */
  connectTimeoutMs?: number;
  /** Reuse an ApiClient (default: a new one on `baseUrl`). */
  api?: ApiClient;
  /**
   * How the client trickles its candidates, to act as other WebRTC stacks do:
   * - `as-is` (default): as werift makes them;
   * - `empty-mid`: `"sdpMid": ""` and `usernameFragment: null`, as pion's `ICECandidate.ToJSON()`;
   * - `mdns-only`: host addresses hidden behind `<uuid>.local` names, with a TCP active
   *   candidate (port 9) and component-2 copies, as Firefox without a remembered microphone
   *   permission: the server can use none of them and must rely on the client's checks.
   */
  candidateShape?: CandidateShape;
  /**
   * Gather every candidate and send them, then end-of-candidates, before posting the offer,
   * so that the server hears end-of-candidates before it answers (default: gather while the
   * offer is on its way, as a browser does).
   */
  gatherBeforeOffer?: boolean;
  /**
   * Rewrites the offer's SDP just before it is posted; the peer's own local description stays
   * werift's (default: posted as is). For tests of what the server does with a mangled offer
   * from a peer that is otherwise real.
   */
  transformOffer?: (sdp: string) => string;
}

export type CandidateShape = 'as-is' | 'empty-mid' | 'mdns-only';

/**
 * The candidates a client of `shape` sends for one of werift's (see
 * {@link WebRtcStreamerOptions.candidateShape}). `mdnsName` gives the `.local` name of an address.
 */
export function shapeCandidate(
  init: IceCandidateInit,
  shape: CandidateShape,
  mdnsName: (address: string) => string,
): IceCandidateInit[] {
  if (shape === 'empty-mid') {
    return [{ ...init, sdpMid: '', usernameFragment: null }];
  }
  if (shape === 'as-is') {
    return [init];
  }
  const fields = init.candidate.split(' ');
  if (fields[7] !== 'host') {
    return [init];
  }
  const [foundation, , , priority, address, port] = fields;
  const name = mdnsName(address);
  const line = (component: number, transport: string, prio: number, at: string, rest: string[]) =>
    [foundation, component, transport, prio, name, at, 'typ', 'host', ...rest].join(' ');
  const udp = line(1, 'UDP', Number(priority), port, fields.slice(8));
  return [
    { ...init, candidate: udp },
    { ...init, candidate: line(1, 'TCP', Number(priority) - 16_000, '9', ['tcptype', 'active']) },
    { ...init, candidate: line(2, 'UDP', Number(priority) - 1, port, fields.slice(8)) },
  ];
}

/** Milliseconds from the start mark; undefined until the moment happened. */
export interface StreamerTimings {
  socketOpenMs?: number;
  offerPostedMs?: number;
  /** The answer arrived. */
  answerMs?: number;
  /** The answer was applied (DTLS cannot start before: it needs the remote fingerprint). */
  remoteDescriptionMs?: number;
  iceConnectedMs?: number;
  /** `connectionState` reached `connected`: ICE and DTLS are both up. */
  connectedMs?: number;
  /** connectedMs - iceConnectedMs: the DTLS handshake as seen from here. */
  dtlsAfterIceMs?: number;
}

export interface StreamOptions {
  /** Pace packets at real time (default). When false, send as fast as possible. */
  realtime?: boolean;
  /** Real-time multiplier (default 1; 2 = twice as fast). */
  speed?: number;
  /** Skip sending every Nth packet (its sequence number and timestamp are still used up). */
  dropEvery?: number;
  /** Swap adjacent packets now and then (one pair in every `reorderEvery`, default 10). */
  reorder?: boolean;
  reorderEvery?: number;
  /** Stops sending when aborted. */
  signal?: AbortSignal;
}

export interface StreamResult {
  packetsSent: number;
  packetsDropped: number;
  pairsReordered: number;
  /** Wall-clock time the call took. */
  durationMs: number;
  /** The worst lateness of a packet against its real-time schedule. */
  maxLateMs: number;
  firstSequenceNumber: number;
  payloadType: number;
}

/**
 * Header fields of one packet for {@link WebRtcStreamer.writeRawRtp}; every field left out
 * continues the stream (see there).
 */
export interface RawRtpFields {
  payloadType?: number;
  sequenceNumber?: number;
  timestamp?: number;
  ssrc?: number;
  marker?: boolean;
  /** Contributing sources (at most 15 fit the header's CC field). */
  csrc?: number[];
  /** Header extensions (RFC 8285), written in `extensionProfile`'s form. */
  extensions?: Array<{ id: number; payload: Buffer }>;
  /** 0xBEDE one-byte (default), 0x1000 two-byte, or any other profile (one opaque block). */
  extensionProfile?: number;
  /**
   * The padding bit. RFC 3550 wants the payload's last byte to be the padding length; it is
   * sent as given, so a receiver can be tested with a wrong one.
   */
  padding?: boolean;
}

/** A failed step of `connect()`, with the server's answer when there was one. */
export class StreamerError extends Error {
  constructor(
    message: string,
    readonly stage: 'socket' | 'offer' | 'connect',
    readonly status?: number,
    readonly apiError?: ApiError | null,
  ) {
    super(message);
    this.name = 'StreamerError';
  }
}

const OPUS = () =>
  new RTCRtpCodecParameters({ mimeType: 'audio/opus', clockRate: 48000, channels: 2 });

/**
 * Does once, ahead of time, what a process's first session would otherwise do while it
 * connects: installs the werift patches, makes werift's one DTLS certificate per process
 * (ECDSA P-256, tens of ms), runs one offer with host-candidate gathering and closes it (werift's
 * lazily loaded code, the ICU collator its address sort needs), and, given the server's URL,
 * loads the HTTP clients with one `GET /readyz`. The load generator's workers call it before
 * their sessions are due, so a set-up measures the set-up, not the process starting. No packet
 * leaves the machine.
 */
export async function prepareClientProcess(baseUrl?: string): Promise<void> {
  installWeriftPatches();
  await RTCDtlsTransport.SetupCertificate();
  const pc = new RTCPeerConnection({
    iceServers: [],
    iceAdditionalHostAddresses: ['127.0.0.1'],
    iceUseIpv6: false,
    codecs: { audio: [OPUS()] },
  });
  try {
    pc.addTransceiver('audio', { direction: 'sendonly' });
    await pc.setLocalDescription(await pc.createOffer());
  } finally {
    await pc.close();
  }
  if (baseUrl) await new ApiClient(baseUrl).readyz();
}

/**
 * A headless WebRTC sender (werift, offering side) that talks to a WhisperStream server by the
 * public contract: REST offer/answer, trickle ICE over `/ws` in both directions, Opus over RTP.
 */
export class WebRtcStreamer {
  readonly api: ApiClient;
  readonly track = new MediaStreamTrack({ kind: 'audio' });
  readonly timings: StreamerTimings = {};
  /** Every message the server sent on `/ws` (contract violations included, flagged). */
  readonly serverMessages: ReceivedMessage[] = [];
  /** Local candidates sent to the server (in order). */
  readonly candidatesSent: IceCandidateInit[] = [];
  /** Server candidates received and how many were applied / failed. */
  readonly candidatesReceived: IceCandidateInit[] = [];
  readonly candidateErrors: string[] = [];
  /** Whether the server's `end-of-candidates` arrived. */
  remoteEndOfCandidates = false;
  packetsSent = 0;
  pc: RTCPeerConnection | null = null;
  transceiver: RTCRtpTransceiver | null = null;
  socket: RawSocket | null = null;

  private readonly startMark: number;
  /** The contract's candidate-buffering rule, shared with the web app (libs/client). */
  private readonly trickle = new TrickleIce({
    send: (message) => this.socket?.sendMessage(message),
    addRemote: (candidate) => this.applyRemoteCandidate(candidate),
  });
  private connectPromise: Promise<StreamerTimings> | null = null;
  private closePromise: Promise<void> | null = null;
  private closing = false;
  private nextSeq = Math.floor(Math.random() * 0x10000);
  private nextTs = Math.floor(Math.random() * 0x100000000);
  private lastSendAt: number | undefined;
  private readonly mdnsNames = new Map<string, string>();
  private readonly stateListeners = new Set<() => void>();

  constructor(private readonly options: WebRtcStreamerOptions) {
    // Keep every test peer's traffic on the machine (no fallback STUN lookup to the internet),
    // and give it the server's fast paths (native X25519, header parse): many clients on one
    // core would otherwise measure werift's pure-JS key exchange rather than the server.
    installWeriftPatches();
    this.api = options.api ?? new ApiClient(options.baseUrl);
    this.startMark = options.startMark ?? performance.now();
  }

  /** `{type:'error'}` messages the server sent on `/ws`. */
  get errors(): ServerErrorMessage[] {
    return this.serverMessages.flatMap((r) =>
      r.message?.type === 'error' ? [r.message as ServerErrorMessage] : [],
    );
  }

  /** The negotiated Opus payload type (undefined before the answer is applied). */
  get payloadType(): number | undefined {
    return this.transceiver?.sender.codec?.payloadType;
  }

  /** The sequence number the next frame of `stream()` (or slot of `writeRawRtp`) will carry. */
  get nextSequenceNumber(): number {
    return this.nextSeq;
  }

  /** The RTP timestamp the next frame will carry (before any catch-up for a pause). */
  get nextTimestamp(): number {
    return this.nextTs;
  }

  get connectionState(): string {
    return this.pc?.connectionState ?? 'new';
  }

  get iceConnectionState(): string {
    return this.pc?.iceConnectionState ?? 'new';
  }

  /**
   * Negotiates and waits until ICE and DTLS are up. Throws a StreamerError (with the HTTP
   * status and `{error}` of a refusal) when a step fails. Calling it again returns the same
   * promise.
   */
  connect(): Promise<StreamerTimings> {
    this.connectPromise ??= this.doConnect().catch((err: unknown) => {
      if (this.closing && !(err instanceof StreamerError)) {
        throw new StreamerError(`closed while connecting (${String(err)})`, 'connect');
      }
      throw err;
    });
    return this.connectPromise;
  }

  /**
   * Sends the frames as RTP (20 ms each: sequence number +1, timestamp +960), paced on a
   * drift-free schedule computed from the start. Sequence numbers and timestamps continue
   * across calls; the first packet of each call carries the marker bit.
   */
  async stream(frames: Buffer[], options: StreamOptions = {}): Promise<StreamResult> {
    const pc = this.pc;
    const payloadType = this.payloadType;
    if (!pc || pc.connectionState !== 'connected' || payloadType === undefined) {
      throw new Error(`stream() needs a connected peer (connection state ${this.connectionState})`);
    }
    const { realtime = true, speed = 1, dropEvery, reorder = false, signal } = options;
    const reorderEvery = options.reorderEvery ?? 10;
    if (reorder && reorderEvery < 2) {
      throw new Error('reorderEvery must be at least 2');
    }
    const order = sendOrder(frames.length, reorder ? reorderEvery : 0);
    const started = performance.now();
    if (this.lastSendAt !== undefined) {
      // Keep the RTP clock in step with the wall clock across pauses between calls.
      const idleFrames = Math.max(0, Math.round((started - this.lastSendAt) / FRAME_MS) - 1);
      this.nextTs = (this.nextTs + idleFrames * RTP_TIMESTAMP_STEP) >>> 0;
    }
    const baseSeq = this.nextSeq;
    const baseTs = this.nextTs;
    this.nextSeq = (baseSeq + frames.length) & 0xffff;
    this.nextTs = (baseTs + frames.length * RTP_TIMESTAMP_STEP) >>> 0;

    let packetsSent = 0;
    let packetsDropped = 0;
    let maxLateMs = 0;
    for (let slot = 0; slot < order.length; slot++) {
      if (signal?.aborted || this.closing) {
        break;
      }
      if (realtime) {
        const due = started + (slot * FRAME_MS) / speed;
        const wait = due - performance.now();
        if (wait > 0) {
          await sleep(wait);
        }
        maxLateMs = Math.max(maxLateMs, performance.now() - due);
        if (signal?.aborted || this.closing) {
          break;
        }
      } else if (slot % 50 === 49) {
        await yieldToLoop();
      }
      const i = order[slot];
      if (dropEvery && (i + 1) % dropEvery === 0) {
        packetsDropped++;
        continue;
      }
      const header = new RtpHeader({
        marker: i === 0,
        payloadType,
        sequenceNumber: (baseSeq + i) & 0xffff,
        timestamp: (baseTs + i * RTP_TIMESTAMP_STEP) >>> 0,
      });
      this.track.writeRtp(new RtpPacket(header, frames[i]));
      packetsSent++;
      this.packetsSent++;
    }
    this.lastSendAt = performance.now();
    return {
      packetsSent,
      packetsDropped,
      pairsReordered: reorder ? countSwaps(order) : 0,
      durationMs: this.lastSendAt - started,
      maxLateMs,
      firstSequenceNumber: baseSeq,
      payloadType,
    };
  }

  /**
   * Sends one RTP packet with exactly these header fields and payload, SRTP-protected with the
   * session's keys but past werift's sender, which would otherwise set its own SSRC, the
   * negotiated payload type and its offsets: the server decrypts it and sees it as written
   * (hostile headers, wrong payload types, garbage payloads). Fields left out continue the
   * stream: the sender's SSRC and the negotiated payload type; without a `sequenceNumber` the
   * packet takes the stream's next slot (sequence number, and timestamp unless given), which
   * then advances as after one frame of `stream()`; with one, the stream's counters stay.
   * Resolves with the bytes sent, 0 when werift could not build the packet (say an extension
   * that does not fit its profile).
   */
  async writeRawRtp(fields: RawRtpFields, payload: Buffer): Promise<number> {
    const pc = this.pc;
    const sender = this.transceiver?.sender;
    const payloadType = this.payloadType;
    if (!pc || !sender || pc.connectionState !== 'connected' || payloadType === undefined) {
      throw new Error(
        `writeRawRtp() needs a connected peer (connection state ${this.connectionState})`,
      );
    }
    const takesSlot = fields.sequenceNumber === undefined;
    const header = new RtpHeader({
      payloadType: fields.payloadType ?? payloadType,
      sequenceNumber: fields.sequenceNumber ?? this.nextSeq,
      timestamp: fields.timestamp ?? this.nextTs,
      ssrc: fields.ssrc ?? sender.ssrc,
      marker: fields.marker ?? false,
      csrc: fields.csrc ?? [],
      extensions: fields.extensions ?? [],
      // werift's type names the two RFC 8285 profiles; another one is written as one block.
      extensionProfile: (fields.extensionProfile ?? 0xbede) as RtpHeader['extensionProfile'],
      padding: fields.padding ?? false,
    });
    if (takesSlot) {
      this.nextSeq = (this.nextSeq + 1) & 0xffff;
      if (fields.timestamp === undefined) {
        this.nextTs = (this.nextTs + RTP_TIMESTAMP_STEP) >>> 0;
      }
      this.lastSendAt = performance.now();
    }
    const size = await sender.dtlsTransport.sendRtp(payload, header);
    if (size > 0) {
      this.packetsSent++;
    }
    return size;
  }

  /** Sends `{type:'bye'}`; false when the socket is not open. */
  bye(): boolean {
    if (!this.socket?.isOpen) {
      return false;
    }
    this.socket.sendMessage({ type: 'bye' });
    return true;
  }

  /** Closes the peer connection and the socket; idempotent. */
  close(): Promise<void> {
    if (!this.closePromise) {
      this.closing = true;
      this.closePromise = this.doClose();
    }
    return this.closePromise;
  }

  private async doClose(): Promise<void> {
    this.notifyState(); // a pending connect() fails now
    this.trickle.close();
    this.socket?.close(1000, 'client closed');
    this.track.stop();
    await this.pc?.close().catch(() => undefined);
  }

  /** Resolves when the socket closes, with its code and reason. */
  waitForSocketClose(timeoutMs = 5_000): Promise<{ code: number; reason: string }> {
    if (!this.socket) {
      return Promise.reject(new Error('the signaling socket was never opened'));
    }
    return this.socket.waitForClose(timeoutMs);
  }

  /** Elapsed ms since the start mark. */
  elapsed(): number {
    return performance.now() - this.startMark;
  }

  private async doConnect(): Promise<StreamerTimings> {
    const { session } = this.options;
    if (this.closing) {
      throw new StreamerError('connect() after close()', 'connect');
    }
    const pc = new RTCPeerConnection({
      iceServers: this.options.iceServers ?? session.iceServers ?? [],
      iceAdditionalHostAddresses: this.options.iceAdditionalHostAddresses ?? ['127.0.0.1'],
      iceUseIpv6: false,
      codecs: { audio: [OPUS()] },
    });
    this.pc = pc;
    let checking = false;
    pc.iceConnectionStateChange.subscribe((state) => {
      // werift 0.24 emits a spurious 'completed' while it gathers, before 'checking': only
      // count 'connected' / 'completed' once the checks have started.
      checking ||= state === 'checking';
      if (
        checking &&
        (state === 'connected' || state === 'completed') &&
        this.timings.iceConnectedMs === undefined
      ) {
        this.timings.iceConnectedMs = this.elapsed();
      }
      this.notifyState();
    });
    pc.connectionStateChange.subscribe((state) => {
      if (state === 'connected' && this.timings.connectedMs === undefined) {
        this.timings.connectedMs = this.elapsed();
        if (this.timings.iceConnectedMs !== undefined) {
          this.timings.dtlsAfterIceMs = this.timings.connectedMs - this.timings.iceConnectedMs;
        }
      }
      this.notifyState();
    });
    pc.onIceCandidate.subscribe((candidate) => this.onLocalCandidate(candidate));
    this.transceiver = pc.addTransceiver(this.track, { direction: 'sendonly' });

    if ((this.options.socketTiming ?? 'before-offer') === 'before-offer') {
      await this.openSocket();
    }
    // The offer goes out without candidates: they are trickled.
    const offer = await pc.createOffer();
    if (this.options.gatherBeforeOffer) {
      await pc.setLocalDescription(offer); // werift's resolves once gathering is complete
    }
    this.timings.offerPostedMs = this.elapsed();
    // Post the offer while werift gathers (as a browser does: its SLD returns at once).
    const [, answer] = await Promise.all([
      this.options.gatherBeforeOffer ? undefined : pc.setLocalDescription(offer),
      this.api
        .postOffer(
          session.sessionId,
          session.token,
          this.options.transformOffer ? this.options.transformOffer(offer.sdp) : offer.sdp,
        )
        .then((res) => {
          this.timings.answerMs = this.elapsed();
          return res;
        }),
    ]);
    if (!answer.ok) {
      throw new StreamerError(
        `POST offer answered ${answer.status}: ${answer.error ? `${answer.error.code}: ${answer.error.message}` : answer.text.slice(0, 300)}`,
        'offer',
        answer.status,
        answer.error,
      );
    }
    if (this.closing) {
      throw new StreamerError('closed while connecting', 'connect');
    }
    await pc.setRemoteDescription({ type: 'answer', sdp: answer.data.sdp });
    this.timings.remoteDescriptionMs = this.elapsed();
    await this.trickle.remoteDescriptionApplied();
    if (this.options.socketTiming === 'after-answer') {
      await this.openSocket();
    }
    await this.waitConnected(this.options.connectTimeoutMs ?? 20_000);
    return this.timings;
  }

  private async openSocket(): Promise<void> {
    const { session } = this.options;
    const url = signalingUrl(this.options.baseUrl, session.sessionId, session.token);
    const result = await openRawSocket(url, { origin: this.options.origin });
    if (!result.ok) {
      throw new StreamerError(
        `WebSocket upgrade refused with ${result.status}${result.error ? `: ${result.error.code}` : ''}`,
        'socket',
        result.status,
        result.error,
      );
    }
    if (this.closing) {
      result.socket.close();
      throw new StreamerError('closed while connecting', 'connect');
    }
    this.socket = result.socket;
    this.timings.socketOpenMs = this.elapsed();
    this.socket.onMessage((received) => this.onServerMessage(received));
    this.socket.ws.on('close', () => {
      this.trickle.socketClosed();
      this.notifyState();
    });
    this.trickle.socketOpened();
  }

  private onLocalCandidate(candidate: RTCIceCandidate | undefined): void {
    if (candidate) {
      const init: IceCandidateInit = {
        candidate: candidate.candidate,
        sdpMid: candidate.sdpMid,
        sdpMLineIndex: candidate.sdpMLineIndex,
        usernameFragment: candidate.usernameFragment,
      };
      const shaped = shapeCandidate(init, this.options.candidateShape ?? 'as-is', (address) => {
        let name = this.mdnsNames.get(address);
        if (!name) {
          name = `${randomUUID()}.local`;
          this.mdnsNames.set(address, name);
        }
        return name;
      });
      for (const each of shaped) {
        this.candidatesSent.push(each);
        this.trickle.local(each);
      }
    } else {
      this.trickle.local(null);
    }
  }

  private onServerMessage(received: ReceivedMessage): void {
    this.serverMessages.push(received);
    const message: ServerMessage | null = received.message;
    if (!message) {
      return;
    }
    if (message.type === 'candidate') {
      this.candidatesReceived.push(message.candidate);
      this.remoteCandidate(message.candidate);
    } else if (message.type === 'end-of-candidates') {
      this.remoteEndOfCandidates = true;
      this.remoteCandidate(null);
    } else {
      this.notifyState();
    }
  }

  private remoteCandidate(candidate: IceCandidateInit | null): void {
    void this.trickle.remote(candidate);
  }

  private async applyRemoteCandidate(candidate: IceCandidateInit | null): Promise<void> {
    const pc = this.pc;
    if (!pc || this.closing) {
      return;
    }
    try {
      await pc.addIceCandidate(candidate ?? undefined);
    } catch (err) {
      this.candidateErrors.push(
        `${candidate?.candidate ?? 'end-of-candidates'}: ${(err as Error).message}`,
      );
    }
  }

  private waitConnected(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const check = (): boolean => {
        const pc = this.pc;
        if (!pc) {
          return false;
        }
        if (pc.connectionState === 'connected') {
          resolve();
          return true;
        }
        let failure: string | null = null;
        if (this.closing) {
          failure = 'closed while connecting';
        } else if (pc.connectionState === 'failed' || pc.connectionState === 'closed') {
          failure = `connection ${pc.connectionState}`;
        } else if (this.errors.length > 0) {
          failure = 'the server reported an error';
        }
        if (failure) {
          reject(new StreamerError(`${failure} (${this.describe()})`, 'connect'));
          return true;
        }
        return false;
      };
      if (check()) {
        return;
      }
      const timer = setTimeout(() => {
        this.stateListeners.delete(listener);
        reject(
          new StreamerError(`not connected after ${timeoutMs} ms (${this.describe()})`, 'connect'),
        );
      }, timeoutMs);
      const listener = (): void => {
        if (check()) {
          clearTimeout(timer);
          this.stateListeners.delete(listener);
        }
      };
      this.stateListeners.add(listener);
    });
  }

  private notifyState(): void {
    for (const listener of [...this.stateListeners]) {
      listener();
    }
  }

  /** A one-line account of the connection, for error messages. */
  describe(): string {
    const errors = this.errors.map((e) => `${e.code}: ${e.message}`).join('; ');
    return [
      `ice ${this.iceConnectionState}`,
      `connection ${this.connectionState}`,
      `candidates sent ${this.candidatesSent.length}, received ${this.candidatesReceived.length}${this.remoteEndOfCandidates ? ' + end' : ''}`,
      `timings ${JSON.stringify(this.timings)}`,
      ...(this.candidateErrors.length
        ? [`candidate errors: ${this.candidateErrors.join('; ')}`]
        : []),
      ...(errors ? [`server errors: ${errors}`] : []),
      ...(this.socket?.closeInfo
        ? [`socket closed ${this.socket.closeInfo.code} ${this.socket.closeInfo.reason}`]
        : []),
    ].join(', ');
  }
}

/** Send order of `count` packets, swapping one adjacent pair in every `every` (0: none). */
export function sendOrder(count: number, every: number): number[] {
  const order = Array.from({ length: count }, (_, i) => i);
  if (every >= 2) {
    for (let k = every - 2; k + 1 < count; k += every) {
      [order[k], order[k + 1]] = [order[k + 1], order[k]];
    }
  }
  return order;
}

function countSwaps(order: number[]): number {
  return order.filter((value, index) => value > index).length;
}
