import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnModuleDestroy,
  OnModuleInit,
} from '@nestjs/common';
import type { CreateSessionRequest } from '@whisperstream/shared-types';
import { ApiError } from '../common/api-error';
import { AppConfig } from '../config/app-config';
import { LiveTranscriptionService } from '../live/live-transcription.service';
import { TranscriptBus } from '../transcript-bus/transcript-bus';
import { TranscriptionService } from '../transcription/transcription.service';
import { ClosedSession } from './closed-session';
import { CloseOptions, CONNECT_ADVICE, Session } from './session';

export interface CreatedSession {
  session: Session;
  token: string;
  expiresAt: Date;
}

const hashToken = (token: string) => createHash('sha256').update(token).digest();

/**
 * Issues sessions (an unguessable id and a separate secret token), admits at most
 * MAX_SESSIONS open at once, checks tokens, reaps sessions that went quiet, and closes them
 * all on shutdown. A closed session stays readable (transcript, a late event stream) for
 * SESSION_RETENTION_MS as a ClosedSession, which holds nothing else; at most
 * SESSION_RETENTION_MAX of them are kept, the oldest going first.
 */
@Injectable()
export class SessionService implements OnModuleInit, OnModuleDestroy, BeforeApplicationShutdown {
  readonly #logger = new Logger(SessionService.name);
  /** Open and closing sessions. */
  readonly #sessions = new Map<string, Session>();
  /** Closed sessions still retained, oldest first. */
  readonly #closed = new Map<string, ClosedSession>();
  #admitting = true;
  #reaper?: NodeJS.Timeout;

  constructor(
    private readonly config: AppConfig,
    private readonly transcription: TranscriptionService,
    private readonly live: LiveTranscriptionService,
    private readonly bus: TranscriptBus,
  ) {}

  onModuleInit(): void {
    this.#reaper = setInterval(() => {
      this.reap();
      this.#forgetExpired();
    }, 1000);
    this.#reaper.unref();
  }

  onModuleDestroy(): void {
    clearInterval(this.#reaper);
  }

  get openCount(): number {
    let count = 0;
    for (const session of this.#sessions.values()) if (session.isOpen) count++;
    return count;
  }

  /** Closed sessions whose transcript is still kept. */
  get retainedCount(): number {
    return this.#closed.size;
  }

  get admitting(): boolean {
    return this.#admitting;
  }

  create(request: CreateSessionRequest): CreatedSession {
    if (!this.#admitting) {
      throw new ApiError(503, 'shutting_down', 'the server is shutting down', {
        'Retry-After': '5',
      });
    }
    if (this.openCount >= this.config.MAX_SESSIONS) {
      throw new ApiError(
        503,
        'too_many_sessions',
        'the server is at its session limit; try again shortly',
        { 'Retry-After': '10' },
      );
    }
    const id = randomBytes(18).toString('base64url'); // 144 random bits
    const token = randomBytes(32).toString('base64url');
    const language = request.language ?? this.config.TRANSCRIPTION_LANGUAGE;
    const stream = this.bus.open(id);
    const live = this.live.create(id, language, (event) => stream.emit(event));
    const engine = this.transcription.engineInfo;
    if (!engine) throw new ApiError(503, 'no_engine', 'no transcription engine');
    const session = new Session({
      id,
      tokenHash: hashToken(token),
      language,
      engine,
      stream,
      live,
      logger: this.#logger,
    });
    this.#sessions.set(id, session);
    this.#logger.log({ msg: 'session created', sessionId: id, open: this.openCount });
    return {
      session,
      token,
      expiresAt: new Date(session.createdAt + this.config.OFFER_TIMEOUT_MS),
    };
  }

  /**
   * The session, open or ended (while it is retained), if the token is its own: 404 for an
   * unknown id, 401 for a wrong token. For the routes that serve an ended session too: its
   * transcript, its events, DELETE, and /ws (which refuses it).
   */
  lookup(sessionId: string, token: string | undefined): Session | ClosedSession {
    this.#forgetExpired();
    const session = this.#sessions.get(sessionId) ?? this.#closed.get(sessionId);
    if (!session) throw ApiError.sessionNotFound();
    if (!token || !timingSafeEqual(hashToken(token), session.tokenHash))
      throw ApiError.unauthorized();
    return session;
  }

  /**
   * The session, for the routes that act on it (the offer): as `lookup`, and 409
   * `session_closed` for one that has ended.
   */
  authenticate(sessionId: string, token: string | undefined): Session {
    const session = this.lookup(sessionId, token);
    if (session instanceof ClosedSession) {
      throw new ApiError(409, 'session_closed', 'the session has ended');
    }
    return session;
  }

  close(
    session: Session,
    options: Omit<CloseOptions, 'drainMs'> & { drainMs?: number },
  ): Promise<void> {
    const closing = session.close({ drainMs: this.config.SHUTDOWN_TIMEOUT_MS, ...options });
    void closing.then(() => this.#retire(session));
    return closing;
  }

  /** Ends sessions that never got an offer, never connected, stopped sending audio, or lost their socket. */
  reap(now = Date.now()): void {
    const c = this.config;
    for (const session of this.#sessions.values()) {
      if (!session.isOpen) continue;
      if (session.offerAt === undefined) {
        if (now - session.createdAt > c.OFFER_TIMEOUT_MS) {
          this.#expire(session, 'offer_timeout', 'no offer arrived in time');
        }
      } else if (session.connectedAt === undefined) {
        if (now - session.offerAt > c.CONNECT_TIMEOUT_MS) {
          const problem =
            session.connectProblem?.() ?? 'the media connection (ICE/DTLS) was not established';
          this.#expire(
            session,
            'connect_timeout',
            `could not connect to the server's audio port within ${c.CONNECT_TIMEOUT_MS / 1000} s: ${problem}; ${CONNECT_ADVICE}`,
          );
        }
      } else if (now - (session.lastRtpAt ?? session.connectedAt) > c.RTP_TIMEOUT_MS) {
        this.#expire(session, 'media_timeout', 'no audio arrived for too long');
      }
      if (
        session.isOpen &&
        session.socketGoneAt !== undefined &&
        now - session.socketGoneAt > c.WS_GRACE_MS
      ) {
        this.#expire(
          session,
          'socket_gone',
          'the signaling connection was lost and did not come back',
        );
      }
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.#admitting = false;
    const open = [...this.#sessions.values()].filter((s) => s.isOpen);
    if (open.length > 0)
      this.#logger.log({ msg: 'closing sessions for shutdown', count: open.length });
    await Promise.all(
      open.map((session) =>
        this.close(session, {
          reason: 'shutdown',
          error: { code: 'server_shutdown', message: 'the server is shutting down' },
        }),
      ),
    );
  }

  #expire(
    session: Session,
    reason: 'offer_timeout' | 'connect_timeout' | 'media_timeout' | 'socket_gone',
    message: string,
  ): void {
    void this.close(session, { reason, error: { code: reason, message } });
  }

  /** A closed session gives way to its ClosedSession; past the cap, the oldest is forgotten. */
  #retire(session: Session, now = Date.now()): void {
    if (this.#sessions.get(session.id) !== session) return;
    this.#sessions.delete(session.id);
    const { SESSION_RETENTION_MS, SESSION_RETENTION_MAX } = this.config;
    if (SESSION_RETENTION_MS > 0 && SESSION_RETENTION_MAX > 0) {
      this.#closed.set(session.id, ClosedSession.of(session, now));
    }
    for (const id of this.#closed.keys()) {
      if (this.#closed.size <= SESSION_RETENTION_MAX) break;
      this.#closed.delete(id);
    }
    this.#forgetExpired(now);
  }

  /** Forgets closed sessions retained longer than SESSION_RETENTION_MS (the oldest come first). */
  #forgetExpired(now = Date.now()): void {
    for (const [id, closed] of this.#closed) {
      if (now - closed.closedAt < this.config.SESSION_RETENTION_MS) break;
      this.#closed.delete(id);
    }
  }
}
