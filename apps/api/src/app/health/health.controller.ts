import { Controller, Get, Res } from '@nestjs/common';
import type { Readiness } from '@whisperstream/shared-types';
import type { Response } from 'express';
import { SessionService } from '../sessions/sessions.service';
import { TranscriptionService } from '../transcription/transcription.service';

@Controller()
export class HealthController {
  constructor(
    private readonly transcription: TranscriptionService,
    private readonly sessions: SessionService,
  ) {}

  /** Liveness: the process answers. */
  @Get('healthz')
  healthz(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** The original design's liveness route, kept as an alias. */
  @Get('ping')
  ping(): { status: 'ok' } {
    return { status: 'ok' };
  }

  /** Readiness: an engine is usable and the server admits sessions. */
  @Get('readyz')
  readyz(@Res({ passthrough: true }) res: Response): Readiness & { sessions: number } {
    const engine = this.transcription.engineInfo;
    const reason = !this.sessions.admitting
      ? 'the server is shutting down'
      : this.transcription.notReadyReason;
    res.status(reason ? 503 : 200);
    return {
      status: reason ? 'not-ready' : 'ready',
      engine,
      ...(reason ? { reason } : {}),
      sessions: this.sessions.openCount,
    };
  }
}
