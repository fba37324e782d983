import { computed, inject, Injectable, signal } from '@angular/core';
import { takeUntilDestroyed } from '@angular/core/rxjs-interop';
import {
  EngineInfo,
  SessionState,
  TranscriptEvent,
  TranscriptFormat,
} from '@whisperstream/shared-types';
import { Microphone } from '../capture/microphone';
import { EventStream } from '../connection/event-stream';
import { HttpError } from '../connection/http';
import { SessionCredentials, SessionUnauthorizedError } from '../connection/session-credentials';
import { SessionGrant, SignalingClient, SignalingEvent } from '../connection/signaling-client';
import { BROWSER_APIS } from '../shared/browser-apis';
import { Preferences } from '../shared/preferences';
import { TranscriptAccess, TranscriptExport } from '../transcript/transcript-export';
import { TranscriptStore } from '../transcript/transcript-store';
import {
  isSessionEndError,
  Notice,
  noticeForEngineError,
  noticeForError,
  noticeForServerMessage,
  noticeForSessionEnd,
  NOTICES,
} from './notices';

/** What the person sees: idle -> connecting -> live -> stopping -> ended (-> connecting ...). */
export type LiveState = 'idle' | 'connecting' | 'live' | 'stopping' | 'ended';

export const AUTO_LANGUAGE = 'auto';
/** From Start until audio flows; ICE over UDP normally takes well under a second. */
export const CONNECT_TIMEOUT_MS = 20_000;
/** After Stop, how long the last lines may take to arrive before the page stops waiting. */
export const END_TIMEOUT_MS = 15_000;
/** How long `GET /healthz` may take to answer when the event stream cannot reconnect. */
export const HEALTH_TIMEOUT_MS = 2000;
/** Peer connection states in which no audio reaches the server. */
const PEER_DOWN: readonly RTCPeerConnectionState[] = ['disconnected', 'failed', 'closed'];

/**
 * One transcription session from the person's point of view: ties the microphone, the signaling
 * client, the event stream and the transcript together, and says in words what went wrong.
 */
@Injectable({ providedIn: 'root' })
export class LiveSession {
  readonly #apis = inject(BROWSER_APIS);
  readonly #prefs = inject(Preferences);
  readonly #mic = inject(Microphone);
  readonly #signaling = inject(SignalingClient);
  readonly #credentials = inject(SessionCredentials);
  readonly #stream = inject(EventStream);
  readonly #transcript = inject(TranscriptStore);
  readonly #export = inject(TranscriptExport);

  readonly state = signal<LiveState>('idle');
  readonly engine = signal<EngineInfo | null>(null);
  /** The newest line's latency (end of speech to text), as the server measured it. */
  readonly latencyMs = computed(() => this.#transcript.latestLatencyMs());
  readonly serverState = signal<SessionState | null>(null);
  readonly notice = signal<Notice | null>(null);
  readonly language = signal(this.#prefs.get('language') ?? AUTO_LANGUAGE);
  /** The last session's id and token: downloads keep working after it ended. */
  readonly access = signal<TranscriptAccess | null>(null);

  readonly running = computed(() => ['connecting', 'live', 'stopping'].includes(this.state()));
  readonly canStart = computed(() => this.state() === 'idle' || this.state() === 'ended');
  readonly canStop = computed(() => this.state() === 'connecting' || this.state() === 'live');

  #generation = 0;
  #grant: SessionGrant | null = null;
  #connectTimer: ReturnType<typeof setTimeout> | null = null;
  #endWaiter: (() => void) | null = null;
  #checkingServer = false;

  constructor() {
    this.#stream.events$.pipe(takeUntilDestroyed()).subscribe((event) => this.#onEvent(event));
    this.#stream.lost$.pipe(takeUntilDestroyed()).subscribe(() => {
      if (this.running()) {
        void this.#fail(NOTICES.streamLost);
      }
    });
    this.#stream.resumed$.pipe(takeUntilDestroyed()).subscribe(() => void this.#catchUp());
    this.#stream.stalled$.pipe(takeUntilDestroyed()).subscribe(() => void this.#checkServer());
    this.#signaling.events$
      .pipe(takeUntilDestroyed())
      .subscribe((event) => this.#onSignaling(event));
    this.#mic.ended$.pipe(takeUntilDestroyed()).subscribe(() => {
      if (this.running()) {
        this.#raise(NOTICES.micEnded);
      }
    });
  }

  setLanguage(code: string): void {
    this.language.set(code);
    this.#prefs.set('language', code);
  }

  async start(): Promise<void> {
    if (!this.canStart()) {
      return;
    }
    const generation = ++this.#generation;
    this.state.set('connecting');
    this.notice.set(null);
    this.engine.set(null);
    this.serverState.set(null);
    this.access.set(null);
    this.#transcript.reset();
    try {
      const stream = await this.#mic.acquire();
      if (generation !== this.#generation) {
        return;
      }
      const credential = await this.#credentials.forNewSession();
      if (generation !== this.#generation) {
        return;
      }
      const language = this.language();
      const grant = await this.#signaling
        .createSession(language === AUTO_LANGUAGE ? null : language, credential)
        .catch((error: unknown) => {
          throw error instanceof HttpError && error.status === 401
            ? new SessionUnauthorizedError(credential !== null, { cause: error })
            : error;
        });
      if (generation !== this.#generation) {
        await this.#signaling.deleteSession(grant); // Stop was pressed while it was being created
        return;
      }
      this.#grant = grant;
      this.access.set({ sessionId: grant.sessionId, token: grant.token });
      this.#stream.open(grant.sessionId, grant.token);
      this.#connectTimer = setTimeout(() => {
        if (generation === this.#generation && this.state() === 'connecting') {
          void this.#fail(NOTICES.connectionTimeout);
        }
      }, CONNECT_TIMEOUT_MS);
      const [track] = stream.getAudioTracks();
      await this.#signaling.connect(grant, track, stream);
    } catch (error) {
      if (generation === this.#generation) {
        await this.#fail(noticeForError(error, this.#apis.now()));
      }
    }
  }

  /** Says bye, then waits for the server's last lines and its `end`. */
  async stop(): Promise<void> {
    if (!this.canStop()) {
      return;
    }
    const generation = ++this.#generation;
    this.state.set('stopping');
    this.#clearConnectTimer();
    this.#mic.release();
    const waitForEnd = this.#grant !== null ? this.#waitForEnd() : Promise.resolve();
    // The bye goes out at once; the DELETE after it must not hold the page up when the server
    // does not answer (the wait for `end` has its own limit).
    const closing = this.#signaling.close({ sayBye: true });
    await (this.#grant !== null ? waitForEnd : closing);
    if (generation === this.#generation) {
      this.#finish();
    }
  }

  async download(format: TranscriptFormat): Promise<void> {
    const access = this.access();
    if (!access) {
      return;
    }
    try {
      await this.#export.download(access, format);
    } catch (error) {
      const gone = error instanceof HttpError && [404, 410].includes(error.status);
      this.#raise(gone ? NOTICES.transcriptGone : noticeForError(error, this.#apis.now()));
    }
  }

  async copy(): Promise<boolean> {
    try {
      await this.#export.copy(this.#transcript.text());
      return true;
    } catch {
      this.#raise(NOTICES.copyFailed);
      return false;
    }
  }

  /** Shows what went wrong outside a session (e.g. testing the microphone). */
  report(error: unknown): void {
    this.#raise(noticeForError(error, this.#apis.now()));
  }

  dismissNotice(): void {
    this.notice.set(null);
  }

  #onEvent(event: TranscriptEvent): void {
    this.#transcript.apply(event);
    switch (event.type) {
      case 'session':
        this.engine.set(event.data.engine);
        this.serverState.set(event.data.state);
        if (event.data.state === 'live') {
          this.#markLive();
        } else if (
          (event.data.state === 'closing' || event.data.state === 'closed') &&
          this.canStop()
        ) {
          this.#serverClosed();
        }
        break;
      case 'final':
        if (this.notice()?.code === 'engine-retrying') {
          this.notice.set(null); // the engine recovered
        }
        break;
      case 'error':
        if (isSessionEndError(event.data)) {
          this.#serverEnded(noticeForSessionEnd(event.data));
        } else {
          this.#raise(noticeForEngineError(event.data)); // one segment; later lines still arrive
        }
        break;
      case 'end':
        if (this.#endWaiter) {
          this.#endWaiter();
        } else if (this.running()) {
          if (this.state() !== 'stopping') {
            this.#raise(NOTICES.sessionClosedByServer);
          }
          void this.#signaling.close({ sayBye: false });
          this.#mic.release();
          this.#finish();
        }
        break;
    }
  }

  #onSignaling(event: SignalingEvent): void {
    switch (event.type) {
      case 'connection-state':
        if (event.state === 'connected') {
          this.#markLive();
        } else if (event.state === 'failed' && this.canStop()) {
          // Never live: the audio port could not be reached (firewall, TURN); else it was lost.
          void this.#fail(
            this.state() === 'live' ? NOTICES.connectionLost : NOTICES.connectionFailed,
          );
        }
        break;
      case 'server-error':
        if (this.running()) {
          this.#raise(noticeForServerMessage(event.code, event.message));
        }
        break;
      case 'socket-closed':
        // Trickle ICE is over once connected, so the session goes on without the socket; the
        // SignalingClient reopens it (the server ends a session whose socket stays gone), and
        // a server that is gone is noticed through the event stream (#checkServer).
        break;
    }
  }

  /**
   * The server's `error` that ends the whole session (no `segmentId`): it says why, and comes
   * just before the closing `session` states and `end`.
   */
  #serverEnded(notice: Notice): void {
    if (this.#endWaiter) {
      return; // the person pressed Stop: the session ends as they asked
    }
    if (this.running()) {
      this.notice.set(notice); // replaces the general "closed" notice of the `closing` state
    }
    if (this.canStop()) {
      this.#serverClosed();
    }
  }

  /** The server is closing the session on its own: the last lines and `end` follow. */
  #serverClosed(): void {
    if (this.notice()?.code !== NOTICES.sessionClosedByServer.code) {
      this.#raise(NOTICES.sessionClosedByServer); // unless it already said why
    }
    this.state.set('stopping');
    this.#clearConnectTimer();
    this.#mic.release();
    void this.#signaling.close({ sayBye: false });
  }

  #markLive(): void {
    if (this.state() === 'connecting') {
      this.#clearConnectTimer();
      this.state.set('live');
    }
  }

  async #fail(notice: Notice): Promise<void> {
    ++this.#generation;
    this.#raise(notice);
    this.#clearConnectTimer();
    this.#mic.release();
    this.#stream.close();
    this.#transcript.dropInProgress(); // no final will come for a line in progress
    const hadSession = this.#grant !== null;
    // Ended at once: saying bye to a server that does not answer must not keep the page live.
    const closing = this.#signaling.close({ sayBye: true });
    this.#grant = null;
    this.state.set(hadSession ? 'ended' : 'idle');
    await closing;
  }

  #finish(): void {
    this.#clearConnectTimer();
    this.#stream.close();
    this.#transcript.dropInProgress();
    this.#endWaiter = null;
    const hadSession = this.#grant !== null;
    this.#grant = null;
    this.state.set(hadSession ? 'ended' : 'idle');
  }

  #waitForEnd(): Promise<void> {
    return new Promise<void>((resolve) => {
      const timer = setTimeout(() => done(), END_TIMEOUT_MS);
      const done = () => {
        clearTimeout(timer);
        this.#endWaiter = null;
        resolve();
      };
      this.#endWaiter = done;
    });
  }

  /**
   * The event stream has not reconnected for a while (`stalled$`). A server that crashed or was
   * killed makes EventSource retry for ever, and its peer connection only fails after about
   * 15 s; so the session ends as soon as the audio path is down too (peer connection and
   * socket), or the server does not answer `GET /healthz`. While the server answers, the
   * stream is left to resume by itself (a blip), and this runs again on the next stall.
   */
  async #checkServer(): Promise<void> {
    if (!this.running() || this.#checkingServer) {
      return;
    }
    const generation = this.#generation;
    this.#checkingServer = true;
    let gone: boolean;
    try {
      gone = this.#audioPathDown() || !(await this.#serverAnswers());
    } finally {
      this.#checkingServer = false;
    }
    if (!gone || generation !== this.#generation || this.#stream.state() !== 'reconnecting') {
      return; // the stream came back, or the session ended or was stopped meanwhile
    }
    if (this.state() !== 'stopping') {
      void this.#fail(NOTICES.serverGone);
    } else if (this.#endWaiter) {
      this.#raise(NOTICES.serverGone); // after Stop: the last lines will not come
      this.#endWaiter();
    } else {
      void this.#signaling.close({ sayBye: false });
      this.#finish(); // closed by the server, which is gone before its `end`
    }
  }

  /** The peer connection and the socket are down on their own (not closed by a Stop). */
  #audioPathDown(): boolean {
    return (
      this.state() !== 'stopping' &&
      PEER_DOWN.includes(this.#signaling.connectionState()) &&
      this.#signaling.socketState() !== 'open'
    );
  }

  /** `GET /healthz` answers 2xx within HEALTH_TIMEOUT_MS. */
  async #serverAnswers(): Promise<boolean> {
    const abort = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<false>((resolve) => {
      timer = setTimeout(() => {
        abort.abort();
        resolve(false);
      }, HEALTH_TIMEOUT_MS);
    });
    const probe = this.#apis
      .fetch('/healthz', { cache: 'no-store', signal: abort.signal })
      .then((response) => response.ok)
      .catch(() => false);
    try {
      return await Promise.race([probe, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** After a reconnect without `Last-Event-ID`, lines from the gap come from the transcript. */
  async #catchUp(): Promise<void> {
    const access = this.access();
    if (!access) {
      return;
    }
    try {
      const transcript = await this.#export.fetchJson(access);
      for (const line of transcript.lines) {
        this.#transcript.addFinal(line); // lines already shown are skipped
      }
    } catch {
      // the live stream is back; a missed line will be in the downloads
    }
  }

  /** Shows a notice; a warning never hides an error that is still on screen. */
  #raise(notice: Notice): void {
    if (this.notice()?.severity === 'error' && notice.severity !== 'error') {
      return;
    }
    this.notice.set(notice);
  }

  #clearConnectTimer(): void {
    if (this.#connectTimer !== null) {
      clearTimeout(this.#connectTimer);
      this.#connectTimer = null;
    }
  }
}
