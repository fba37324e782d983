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
import { TranscriptStream } from '../transcripts/transcript-stream';
import { TranscriptionService } from '../transcription/transcription.service';
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
 * all on shutdown. Closed sessions stay readable (transcript export) for SESSION_RETENTION_MS.
 */
@Injectable()
export class SessionService implements OnModuleInit, OnModuleDestroy, BeforeApplicationShutdown {
  readonly #logger = new Logger(SessionService.name);
  readonly #sessions = new Map<string, Session>();
  #admitting = true;
  #reaper?: NodeJS.Timeout;

  constructor(
    private readonly config: AppConfig,
    private readonly transcription: TranscriptionService,
  ) {}

  onModuleInit(): void {
    this.#reaper = setInterval(() => this.reap(), 1000);
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
    const stream = new TranscriptStream(this.config.SSE_REPLAY_EVENTS);
    const transcriber = this.transcription.createTranscriber(id, language, (event) =>
      stream.emit(event),
    );
    const engine = this.transcription.engineInfo;
    if (!engine) throw new ApiError(503, 'no_engine', 'no transcription engine');
    const session = new Session({
      id,
      tokenHash: hashToken(token),
      language,
      engine,
      stream,
      transcriber,
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
  lookup(sessionId: string, token: string | undefined): Session {
    const session = this.#sessions.get(sessionId);
    if (!session) throw ApiError.sessionNotFound();
    if (!token || !timingSafeEqual(hashToken(token), session.tokenHash))
      throw ApiError.unauthorized();
    return session;
  }

  /** The session, for the routes that act on it (the offer): as `lookup`. */
  authenticate(sessionId: string, token: string | undefined): Session {
    return this.lookup(sessionId, token);
  }

  close(
    session: Session,
    options: Omit<CloseOptions, 'drainMs'> & { drainMs?: number },
  ): Promise<void> {
    const closing = session.close({ drainMs: this.config.SHUTDOWN_TIMEOUT_MS, ...options });
    void closing.then(() => this.#scheduleForget(session));
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

  #scheduleForget(session: Session): void {
    const timer = setTimeout(
      () => this.#sessions.delete(session.id),
      this.config.SESSION_RETENTION_MS,
    );
    timer.unref();
  }
}
