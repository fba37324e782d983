import type { ClientMessage, IceCandidateInit } from '@whisperstream/shared-types';

export interface TrickleIceHooks {
  /** Sends one message to the server; only called while the socket is open. */
  send(message: ClientMessage): void;
  /**
   * Hands one server candidate (null: the server's end-of-candidates) to the peer connection;
   * only called once the remote description is set. A rejection does not stop the candidates
   * after it: it goes to `onAddError`.
   */
  addRemote(candidate: IceCandidateInit | null): Promise<void>;
  /** One server candidate the peer connection refused (an address family this host lacks). */
  onAddError?(candidate: IceCandidateInit | null, error: unknown): void;
}

/**
 * The client's half of the contract's candidate-buffering rule (ARCHITECTURE.md, "WebSocket
 * messages"): the socket may open before or after the offer is posted, so
 * - the client's own candidates (and its end-of-candidates) wait until the socket is open, and
 *   wait again while it is reopened after a drop, then go out in the order they were made;
 * - the server's candidates wait until the remote description (the answer) is set, then are
 *   added in the order they came.
 * No network here: the owner tells it when the socket opens or closes and when the answer is
 * applied.
 */
export class TrickleIce {
  readonly #hooks: TrickleIceHooks;
  #outbox: ClientMessage[] = [];
  #inbox: Array<IceCandidateInit | null> = [];
  #socketOpen = false;
  #remoteDescriptionSet = false;
  #endOfCandidatesQueued = false;
  #closed = false;

  constructor(hooks: TrickleIceHooks) {
    this.#hooks = hooks;
  }

  /** Messages for the server that wait for the socket. */
  get pendingLocal(): number {
    return this.#outbox.length;
  }

  /** Server candidates that wait for the remote description. */
  get pendingRemote(): number {
    return this.#inbox.length;
  }

  get remoteDescriptionSet(): boolean {
    return this.#remoteDescriptionSet;
  }

  /** One of the client's candidates; null is its end-of-candidates (sent once at most). */
  local(candidate: IceCandidateInit | null): void {
    if (candidate === null) {
      if (this.#endOfCandidatesQueued) {
        return;
      }
      this.#endOfCandidatesQueued = true;
      this.#send({ type: 'end-of-candidates' });
      return;
    }
    this.#send({ type: 'candidate', candidate });
  }

  /** Any other message for the server (a `bye`), under the same rule. */
  message(message: ClientMessage): void {
    this.#send(message);
  }

  /** The socket is open: what waited goes out now, in order. */
  socketOpened(): void {
    if (this.#closed) {
      return;
    }
    this.#socketOpen = true;
    const waiting = this.#outbox;
    this.#outbox = [];
    for (const message of waiting) {
      this.#hooks.send(message);
    }
  }

  /** The socket closed (it may be reopened): the client's messages wait again. */
  socketClosed(): void {
    this.#socketOpen = false;
  }

  /** A candidate from the server; null is its end-of-candidates. */
  async remote(candidate: IceCandidateInit | null): Promise<void> {
    if (this.#closed) {
      return;
    }
    if (!this.#remoteDescriptionSet) {
      this.#inbox.push(candidate);
      return;
    }
    await this.#add(candidate);
  }

  /** The answer is applied: the server's candidates that waited are added, in order. */
  async remoteDescriptionApplied(): Promise<void> {
    if (this.#closed) {
      return;
    }
    this.#remoteDescriptionSet = true;
    const waiting = this.#inbox;
    this.#inbox = [];
    for (const candidate of waiting) {
      if (this.#closed) {
        return;
      }
      await this.#add(candidate);
    }
  }

  async #add(candidate: IceCandidateInit | null): Promise<void> {
    try {
      await this.#hooks.addRemote(candidate);
    } catch (error) {
      this.#hooks.onAddError?.(candidate, error);
    }
  }

  /** Drops whatever waits; nothing is sent or added after this. */
  close(): void {
    this.#closed = true;
    this.#outbox = [];
    this.#inbox = [];
  }

  #send(message: ClientMessage): void {
    if (this.#closed) {
      return;
    }
    if (this.#socketOpen) {
      this.#hooks.send(message);
    } else {
      this.#outbox.push(message);
    }
  }
}
