import type { FieldLogger } from '../common/json-logger';
import type {
  EngineInfo,
  IceCandidateInit,
  ServerMessage,
  SessionState,
} from '@whisperstream/shared-types';
import type { TranscriptChannel } from '../transcript-bus/transcript-bus';
import type { LiveTranscription } from '../live/live-transcription';

/** Something a session owns and must close: its peer connection, its audio pipeline. */
export interface SessionResource {
  close(): void | Promise<void>;
}

/** Where the session's audio comes from (WebRTC's RTP pipeline): its end hands on what it holds. */
export interface SessionIngress {
  end(): void | Promise<void>;
}

/** The signaling socket as the session sees it. */
export interface SessionSocket {
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type CloseReason =
  | 'deleted'
  | 'bye'
  | 'offer_timeout'
  | 'connect_timeout'
  | 'connect_failed'
  | 'media_timeout'
  | 'socket_gone'
  | 'media_failed'
  | 'shutdown';

/** What a person or operator should check when a session could not connect its audio. */
export const CONNECT_ADVICE =
  'check that a firewall lets UDP through to the server (ICE_PORT_RANGE), or configure a TURN server (ICE_SERVERS)';

export interface CloseOptions {
  reason: CloseReason;
  /** Published as an `error` event before `end` (a session ended by the server, not the user). */
  error?: { code: string; message: string };
  /** How long to wait for transcriptions still running. */
  drainMs: number;
}

export interface SessionInit {
  id: string;
  tokenHash: Buffer;
  language?: string;
  engine: EngineInfo;
  stream: TranscriptChannel;
  live: LiveTranscription;
  /** The session's own logger: every line carries its `sessionId` (see withFields). */
  logger: FieldLogger;
  /** Told of every state change (cluster mode keeps the registry's state current with it). */
  onState?: (state: SessionState) => void;
  now?: () => number;
}

/**
 * One live transcription. It owns every per-session resource and is the one place that
 * closes them, once, in order: media stops, the buffered audio is flushed and transcribed,
 * the last results and `end` are published, the socket is closed.
 */
export class Session {
  readonly id: string;
  readonly tokenHash: Buffer;
  readonly language?: string;
  readonly engine: EngineInfo;
  readonly stream: TranscriptChannel;
  /** The chain from the session's audio to its events. */
  readonly live: LiveTranscription;
  readonly abort = new AbortController();
  readonly createdAt: number;

  offerAt?: number;
  connectedAt?: number;
  lastRtpAt?: number;
  socketGoneAt?: number;
  closedAt?: number;
  /** Set by signaling: why the media connection is not up yet, in words, for the end reason. */
  connectProblem?: () => string;

  #state: SessionState = 'waiting-for-media';
  #peer?: SessionResource;
  #ingress?: SessionIngress;
  #socket?: SessionSocket;
  #remoteDescriptionSet = false;
  readonly #outbox: ServerMessage[] = [];
  readonly #pendingRemoteCandidates: Array<IceCandidateInit | null> = [];
  #addRemoteCandidate?: (candidate: IceCandidateInit | null) => void;
  #closing?: Promise<void>;
  readonly #logger: FieldLogger;
  readonly #onState?: (state: SessionState) => void;
  readonly #now: () => number;

  constructor(init: SessionInit) {
    this.id = init.id;
    this.tokenHash = init.tokenHash;
    this.language = init.language;
    this.engine = init.engine;
    this.stream = init.stream;
    this.live = init.live;
    this.#logger = init.logger;
    this.#onState = init.onState;
    this.#now = init.now ?? Date.now;
    this.createdAt = this.#now();
    this.#publishState();
  }

  get state(): SessionState {
    return this.#state;
  }

  get isOpen(): boolean {
    return this.#closing === undefined;
  }

  get hasSocket(): boolean {
    return this.#socket !== undefined;
  }

  setState(state: SessionState): void {
    if (this.#state === state || !this.isOpen) return;
    this.#state = state;
    this.#publishState();
  }

  attachPeer(peer: SessionResource): void {
    this.#peer = peer;
  }

  detachPeer(peer: SessionResource): void {
    if (this.#peer === peer) this.#peer = undefined;
  }

  attachIngress(ingress: SessionIngress): void {
    this.#ingress = ingress;
  }

  /** A new signaling socket replaces the old one; what waited in the outbox goes out now. */
  attachSocket(socket: SessionSocket): void {
    if (this.#socket && this.#socket !== socket)
      this.#socket.close(4000, 'replaced by a newer connection');
    this.#socket = socket;
    this.socketGoneAt = undefined;
    for (const message of this.#outbox.splice(0)) socket.send(JSON.stringify(message));
  }

  detachSocket(socket: SessionSocket): void {
    if (this.#socket !== socket) return;
    this.#socket = undefined;
    this.socketGoneAt = this.#now();
  }

  /** Sends to the client's socket, or keeps the message until the socket opens. */
  send(message: ServerMessage): void {
    if (!this.isOpen) return;
    if (this.#socket) this.#socket.send(JSON.stringify(message));
    else this.#outbox.push(message);
  }

  /**
   * The client's ICE candidates wait here until the remote description is set; `null`
   * stands for end-of-candidates.
   */
  addRemoteCandidate(candidate: IceCandidateInit | null): void {
    if (this.#remoteDescriptionSet && this.#addRemoteCandidate) this.#addRemoteCandidate(candidate);
    else this.#pendingRemoteCandidates.push(candidate);
  }

  /** Called once the peer connection has the remote description: buffered candidates go in. */
  remoteDescriptionSet(add: (candidate: IceCandidateInit | null) => void): void {
    this.#remoteDescriptionSet = true;
    this.#addRemoteCandidate = add;
    for (const candidate of this.#pendingRemoteCandidates.splice(0)) add(candidate);
  }

  /** Back to "no offer yet" after an offer that could not be used; nothing is lost. */
  resetOffer(): void {
    this.offerAt = undefined;
    this.#remoteDescriptionSet = false;
    this.#addRemoteCandidate = undefined;
  }

  /** Closes everything the session holds, once; later calls get the same promise. */
  close(options: CloseOptions): Promise<void> {
    this.#closing ??= this.#close(options);
    return this.#closing;
  }

  async #close({ reason, error, drainMs }: CloseOptions): Promise<void> {
    this.#state = 'closing';
    this.#publishState();
    // Why the server ended it (no transcript text is ever in these messages).
    this.#logger.log({ msg: 'session closing', sessionId: this.id, reason, why: error?.message });
    try {
      await this.#peer?.close();
    } catch (e) {
      this.#logger.warn({ msg: 'peer close failed', sessionId: this.id, error: String(e) });
    }
    this.#peer = undefined;
    try {
      await this.#ingress?.end();
    } catch (e) {
      this.#logger.warn({ msg: 'audio ingress end failed', sessionId: this.id, error: String(e) });
    }
    await this.live.end(drainMs);
    if (error) {
      this.stream.emit({ type: 'error', data: { ...error, retryable: false } });
    }
    this.#state = 'closed';
    this.#publishState();
    this.stream.end();
    this.abort.abort();
    this.#socket?.close(1000, 'session ended');
    this.#socket = undefined;
    this.#outbox.length = 0;
    this.closedAt = this.#now();
    this.#logger.log({
      msg: 'session closed',
      sessionId: this.id,
      reason,
      transcribed: this.live.counts.completed,
      failed: this.live.counts.failed,
    });
  }

  #publishState(): void {
    this.stream.emit({ type: 'session', data: { state: this.#state, engine: this.engine } });
    this.#onState?.(this.#state);
  }
}
