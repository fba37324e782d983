import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnModuleDestroy,
  OnModuleInit,
} from '@nestjs/common';
import type { CreateSessionRequest, EngineInfo, SessionState } from '@whisperstream/shared-types';
import { ApiError } from '../common/api-error';
import { withFields } from '../common/json-logger';
import { AppConfig } from '../config/app-config';
import { LiveTranscriptionService } from '../live/live-transcription.service';
import { TranscriptBus } from '../transcript-bus/transcript-bus';
import { TranscriptionService } from '../transcription/transcription.service';
import { NodeMembership } from '../cluster/node-membership';
import { RedisConnections } from '../cluster/redis-connections';
import { SessionRegistry } from '../cluster/session-registry';
import { ClosedSession } from './closed-session';
import { RemoteSession } from './remote-session';
import { CloseOptions, CloseReason, CONNECT_ADVICE, Session } from './session';

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
  /** Since start, for GET /metrics: sessions created, and sessions ended by their first reason. */
  #createdTotal = 0;
  readonly #endedTotal = new Map<CloseReason, number>();

  constructor(
    private readonly config: AppConfig,
    private readonly transcription: TranscriptionService,
    private readonly live: LiveTranscriptionService,
    private readonly bus: TranscriptBus,
    // Cluster mode (REDIS_URL): the registry in Redis, and this node's place in the cluster.
    private readonly registry?: SessionRegistry,
    private readonly membership?: NodeMembership,
    private readonly redis?: RedisConnections,
  ) {}

  /** In cluster mode: every session is in the registry, and other nodes' sessions are reachable. */
  get clustered(): boolean {
    return this.registry?.enabled === true;
  }

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

  /** Sessions created since the process started. */
  get createdTotal(): number {
    return this.#createdTotal;
  }

  /** Sessions ended since the process started, by the reason they were ended for. */
  endedTotals(): ReadonlyMap<CloseReason, number> {
    return this.#endedTotal;
  }

  get admitting(): boolean {
    return this.#admitting;
  }

  async create(request: CreateSessionRequest): Promise<CreatedSession> {
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
    const tokenHash = hashToken(token);
    const language = request.language ?? this.config.TRANSCRIPTION_LANGUAGE;
    const engine = this.transcription.engineInfo;
    if (!engine) {
      throw new ApiError(
        503,
        'no_engine',
        this.transcription.notReadyReason ?? 'no transcription engine',
      );
    }
    if (this.clustered) await this.#register(id, tokenHash, language, engine);
    const stream = this.bus.open(id);
    const live = this.live.create(id, language, (event) => stream.emit(event));
    const session = new Session({
      id,
      tokenHash,
      language,
      engine,
      stream,
      live,
      logger: withFields(this.#logger, { sessionId: id }),
      onState: this.clustered ? (state) => this.#registryState(id, state) : undefined,
    });
    this.#sessions.set(id, session);
    this.#createdTotal++;
    this.#logger.log({ msg: 'session created', sessionId: id, open: this.openCount });
    return {
      session,
      token,
      expiresAt: new Date(session.createdAt + this.config.OFFER_TIMEOUT_MS),
    };
  }

  /** Puts a new session into the cluster's registry, within CLUSTER_MAX_SESSIONS. */
  async #register(
    id: string,
    tokenHash: Buffer,
    language: string | undefined,
    engine: EngineInfo,
  ): Promise<void> {
    const { registry, membership } = this;
    if (!registry || !membership?.joined || this.redis?.ready !== true) {
      throw ApiError.clusterUnavailable();
    }
    let added: boolean;
    try {
      added = await registry.register({
        id,
        node: membership.nodeId,
        nodeUrl: membership.url,
        tokenHash: tokenHash.toString('hex'),
        language,
        engine,
        state: 'waiting-for-media',
        createdAt: Date.now(),
      });
    } catch (error) {
      this.#logger.warn({ msg: 'session registry unreachable', error: String(error) });
      throw ApiError.clusterUnavailable();
    }
    if (!added) {
      throw new ApiError(
        503,
        'too_many_sessions',
        'the cluster is at its session limit (CLUSTER_MAX_SESSIONS); try again shortly',
        { 'Retry-After': '10' },
      );
    }
  }

  #registryState(id: string, state: SessionState): void {
    if (state === 'closed') return; // written by #retire, with the record's retention
    this.registry?.setState(id, state).catch((error: unknown) =>
      this.#logger.warn({
        msg: 'session registry update failed',
        sessionId: id,
        error: String(error),
      }),
    );
  }

  /**
   * Any session of the cluster, if the token is its own: this node's (open or retained), or, in
   * cluster mode, one another node holds (from the registry). 404 for an unknown id, 401 for a
   * wrong token, 503 when the registry cannot be reached.
   */
  async lookupAnywhere(
    sessionId: string,
    token: string | undefined,
  ): Promise<Session | ClosedSession | RemoteSession> {
    if (this.#sessions.has(sessionId) || this.#closed.has(sessionId) || !this.clustered) {
      return this.lookup(sessionId, token);
    }
    let record;
    try {
      record = await this.registry?.get(sessionId);
    } catch (error) {
      this.#logger.warn({ msg: 'session registry unreachable', error: String(error) });
      throw ApiError.clusterUnavailable();
    }
    if (!record) throw ApiError.sessionNotFound();
    if (!token || !timingSafeEqual(hashToken(token), Buffer.from(record.tokenHash, 'hex'))) {
      throw ApiError.unauthorized();
    }
    return new RemoteSession(record);
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
    if (session.isOpen) {
      this.#endedTotal.set(options.reason, (this.#endedTotal.get(options.reason) ?? 0) + 1);
    }
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
    if (!this.#closed.has(session.id)) this.#forget(session.id);
    for (const id of this.#closed.keys()) {
      if (this.#closed.size <= SESSION_RETENTION_MAX) break;
      this.#closed.delete(id);
      this.#forget(id);
    }
    this.#forgetExpired(now);
    if (this.clustered && this.membership?.joined) {
      this.registry?.closed(session.id, this.membership.nodeId).catch((error: unknown) =>
        this.#logger.warn({
          msg: 'session registry update failed',
          sessionId: session.id,
          error: String(error),
        }),
      );
    }
  }

  /** Forgets closed sessions retained longer than SESSION_RETENTION_MS (the oldest come first). */
  #forgetExpired(now = Date.now()): void {
    for (const [id, closed] of this.#closed) {
      if (now - closed.closedAt < this.config.SESSION_RETENTION_MS) break;
      this.#closed.delete(id);
      this.#forget(id);
    }
  }

  /** The session's events and transcript go too (the bus keeps them until told). */
  #forget(id: string): void {
    this.bus.forget(id).catch((error: unknown) =>
      this.#logger.warn({
        msg: 'could not drop the events of a session',
        sessionId: id,
        error: String(error),
      }),
    );
  }
}
