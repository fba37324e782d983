import { Controller, Get, Optional, Res } from '@nestjs/common';
import type { Liveness, Readiness } from '@whisperstream/shared-types';
import type { Response } from 'express';
import { EngineWorkerService } from '../cluster/engine-queue/engine-worker.service';
import { SessionService } from '../sessions/sessions.service';
import { TranscriptionService } from '../transcription/transcription.service';

@Controller()
export class HealthController {
  /**
   * An API node has sessions and the engine they use; an engine worker process (ROLE=worker)
   * has only its worker; ROLE=all in cluster mode has both.
   */
  constructor(
    @Optional() private readonly transcription?: TranscriptionService,
    @Optional() private readonly sessions?: SessionService,
    @Optional() private readonly worker?: EngineWorkerService,
  ) {}

  /** Liveness: the process answers. */
  @Get('healthz')
  healthz(): Liveness {
    return { status: 'ok' };
  }

  /** The original design's liveness route, kept as an alias. */
  @Get('ping')
  ping(): Liveness {
    return { status: 'ok' };
  }

  /**
   * Readiness. An API node: an engine is usable (in cluster mode: an engine worker is alive)
   * and it admits sessions. An engine worker: its engine is usable and Redis answers.
   */
  @Get('readyz')
  readyz(@Res({ passthrough: true }) res: Response): Readiness {
    const { transcription, sessions, worker } = this;
    let reason: string | undefined;
    if (sessions && !sessions.admitting) reason = 'the server is shutting down';
    else if (transcription) reason = transcription.notReadyReason;
    else reason = worker ? worker.notReadyReason : 'nothing to serve';
    res.status(reason ? 503 : 200);
    return {
      status: reason ? 'not-ready' : 'ready',
      engine: transcription ? transcription.engineInfo : (worker?.engineInfo ?? null),
      ...(reason ? { reason } : {}),
      ...(sessions ? { sessions: sessions.openCount } : {}),
    };
  }
}
