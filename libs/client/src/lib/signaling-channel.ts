import {
  ServerMessageSchema,
  type ClientMessage,
  type IceCandidateInit,
  type ServerMessage,
} from '@whisperstream/shared-types';
import { TrickleIce } from './trickle';
import { WS_OPEN, type WebSocketFactory, type WebSocketLike } from './transport';

export type SocketState = 'idle' | 'connecting' | 'open' | 'closed';

/**
 * Delays before reopening a signaling socket that dropped. Trickle ICE is over once the peer
 * connection is up, but the server ends a session whose socket stays gone for its
 * `WS_GRACE_MS` (10 s by default, error `socket_gone`), so a socket dropped by a proxy's idle
 * timeout or a network blip is reopened within that time; the server takes the new one in place
 * of the old and sends what it kept meanwhile.
 */
export const SOCKET_REOPEN_DELAYS_MS: readonly number[] = [500, 1000, 2000, 4000];
/** Closes after which reopening is pointless: the session ended, the socket was refused or replaced. */
const FINAL_CLOSE_CODES = new Set([1000, 1008, 4000]);

export interface SignalingChannelOptions {
  /** `ws(s)://host/ws?sessionId=&token=` (see WhisperStreamClient.signalingUrl). */
  url: string;
  webSocket: WebSocketFactory;
  /**
   * Adds one of the server's candidates (null: its end-of-candidates) to the peer connection;
   * called only once the remote description is set.
   */
  addRemoteCandidate(candidate: IceCandidateInit | null): Promise<void>;
  /** Every message from the server that is in the contract, as it arrives. */
  onServerMessage?(message: ServerMessage): void;
  /** A message that is not in the contract (ignored rather than breaking a working call). */
  onInvalidMessage?(raw: unknown): void;
  onSocketState?(state: SocketState): void;
  /** The socket closed by itself (not by `close()`); it is reopened unless the code is final. */
  onSocketClosed?(code: number, reason: string): void;
  /** Default SOCKET_REOPEN_DELAYS_MS; `[]` never reopens. */
  reopenDelaysMs?: readonly number[];
}

/**
 * Trickle ICE over `GET /ws` for one session, both ways, by the contract's buffering rule
 * (TrickleIce): the client's candidates wait for the socket, the server's for the answer. A
 * socket that drops is reopened a few times (SOCKET_REOPEN_DELAYS_MS) and what waited goes out
 * on the new one. Every message from the server is parsed with ServerMessageSchema.
 */
export class SignalingChannel {
  readonly #options: SignalingChannelOptions;
  readonly #trickle: TrickleIce;
  readonly #delays: readonly number[];
  #socket: WebSocketLike | null = null;
  #state: SocketState = 'idle';
  #reopenTimer: ReturnType<typeof setTimeout> | null = null;
  #failures = 0;
  #closed = false;

  constructor(options: SignalingChannelOptions) {
    this.#options = options;
    this.#delays = options.reopenDelaysMs ?? SOCKET_REOPEN_DELAYS_MS;
    this.#trickle = new TrickleIce({
      send: (message) => this.#socket?.send(JSON.stringify(message)),
      addRemote: (candidate) => options.addRemoteCandidate(candidate),
    });
  }

  get state(): SocketState {
    return this.#state;
  }

  /** Opens the socket (before or after the offer: either is in the contract). */
  open(): void {
    if (this.#closed || this.#socket) {
      return;
    }
    const socket = this.#options.webSocket(this.#options.url);
    this.#socket = socket;
    this.#setState('connecting');
    socket.onopen = () => {
      if (this.#socket !== socket) {
        return;
      }
      this.#failures = 0;
      this.#setState('open');
      this.#trickle.socketOpened();
    };
    socket.onmessage = (event) => this.#onMessage(event.data);
    socket.onerror = () => undefined; // a close event follows
    socket.onclose = (event) => {
      if (this.#socket !== socket) {
        return;
      }
      this.#socket = null;
      this.#trickle.socketClosed();
      this.#setState('closed');
      this.#options.onSocketClosed?.(event.code, event.reason);
      this.#reopen(event.code);
    };
  }

  /** One of the client's candidates, or null for its end-of-candidates (sent once). */
  sendCandidate(candidate: IceCandidateInit | null): void {
    this.#trickle.local(candidate);
  }

  /** The answer is applied: the server's candidates that waited are added now, in order. */
  remoteDescriptionApplied(): Promise<void> {
    return this.#trickle.remoteDescriptionApplied();
  }

  /** Sends `{type:'bye'}` if the socket is open; false when it is not (use DELETE then). */
  bye(): boolean {
    return this.sendNow({ type: 'bye' });
  }

  /** Sends a message now if the socket is open, without waiting; false when it is not. */
  sendNow(message: ClientMessage): boolean {
    if (this.#closed || this.#socket?.readyState !== WS_OPEN) {
      return false;
    }
    this.#socket.send(JSON.stringify(message));
    return true;
  }

  /** Closes the socket and drops what waits; nothing reopens after this. Idempotent. */
  close(code = 1000, reason = 'bye'): void {
    if (this.#closed) {
      return;
    }
    this.#closed = true;
    this.#trickle.close();
    if (this.#reopenTimer !== null) {
      clearTimeout(this.#reopenTimer);
      this.#reopenTimer = null;
    }
    const socket = this.#socket;
    this.#socket = null;
    if (socket) {
      socket.onopen = null;
      socket.onmessage = null;
      socket.onclose = null;
      socket.close(code, reason);
      this.#setState('closed');
    }
  }

  #reopen(code: number): void {
    const delay = this.#delays[this.#failures];
    if (this.#closed || FINAL_CLOSE_CODES.has(code) || delay === undefined) {
      return;
    }
    this.#failures++;
    this.#reopenTimer = setTimeout(() => {
      this.#reopenTimer = null;
      this.open();
    }, delay);
  }

  #onMessage(data: unknown): void {
    if (this.#closed) {
      return;
    }
    if (typeof data !== 'string') {
      this.#options.onInvalidMessage?.(data);
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      this.#options.onInvalidMessage?.(data);
      return;
    }
    const parsed = ServerMessageSchema.safeParse(json);
    if (!parsed.success) {
      this.#options.onInvalidMessage?.(data);
      return;
    }
    const message = parsed.data;
    this.#options.onServerMessage?.(message);
    if (message.type === 'candidate') {
      void this.#trickle.remote(message.candidate);
    } else if (message.type === 'end-of-candidates') {
      void this.#trickle.remote(null);
    }
  }

  #setState(state: SocketState): void {
    if (this.#state !== state) {
      this.#state = state;
      this.#options.onSocketState?.(state);
    }
  }
}
