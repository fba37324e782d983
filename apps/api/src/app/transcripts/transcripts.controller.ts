import { Controller, Get, Headers, Param, Req, Res } from '@nestjs/common';
import { TranscriptFormatSchema, TranscriptJson } from '@whisperstream/shared-types';
import type { Request, Response } from 'express';
import { ApiError } from '../common/api-error';
import { isOriginAllowed } from '../common/origin';
import { QueryParam } from '../common/query';
import { AppConfig } from '../config/app-config';
import { bearerToken } from '../sessions/bearer';
import { SessionService } from '../sessions/sessions.service';
import { TranscriptUnavailableError } from '../transcript-bus/transcript-bus';
import { CONTENT_TYPES, formatTranscript } from './transcript-format';
import { TranscriptsService } from './transcripts.service';

@Controller('api/sessions')
export class TranscriptsController {
  constructor(
    private readonly sessions: SessionService,
    private readonly transcripts: TranscriptsService,
    private readonly config: AppConfig,
  ) {}

  /** The session's events as Server-Sent Events; honours Last-Event-ID. */
  @Get(':id/events')
  async events(
    @Param('id') id: string,
    @QueryParam('token') token: string | undefined,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    this.#checkOrigin(req, res);
    // Any node serves any session's events (cluster mode: from the bus in Redis).
    const session = await this.sessions.lookupAnywhere(id, token);
    const header = req.headers['last-event-id'];
    const lastEventId = Number(Array.isArray(header) ? header[0] : (header ?? 0));
    res.status(200).set({
      'Content-Type': 'text/event-stream; charset=utf-8',
      'Cache-Control': 'no-cache, no-transform',
      Connection: 'keep-alive',
      'X-Accel-Buffering': 'no',
    });
    res.flushHeaders();
    req.socket.setNoDelay(true);
    const subscription = this.transcripts
      .sse$(session.id, Number.isInteger(lastEventId) && lastEventId > 0 ? lastEventId : 0)
      .subscribe({
        next: (frame) => res.write(frame),
        complete: () => res.end(),
        error: () => res.end(),
      });
    res.on('close', () => subscription.unsubscribe());
  }

  @Get(':id/transcript')
  async transcript(
    @Param('id') id: string,
    @QueryParam('format') format: string | undefined,
    @QueryParam('token') queryToken: string | undefined,
    @Headers('authorization') authorization: string | undefined,
    @Res() res: Response,
  ): Promise<void> {
    const session = await this.sessions.lookupAnywhere(
      id,
      bearerToken(authorization) ?? queryToken,
    );
    const parsed = TranscriptFormatSchema.safeParse(format ?? 'json');
    if (!parsed.success) {
      throw ApiError.badRequest('invalid_format', 'format must be one of json, txt, srt, vtt');
    }
    const lines = await this.transcripts.lines(session.id).catch(unavailableAs503);
    res.status(200).set({
      'Content-Type': CONTENT_TYPES[parsed.data],
      'Cache-Control': 'no-store',
      'Content-Disposition': `inline; filename="transcript-${session.id.slice(0, 8)}.${parsed.data}"`,
    });
    if (parsed.data === 'json') {
      const body: TranscriptJson = {
        sessionId: session.id,
        state: session.state,
        language: session.language ?? null,
        engine: session.engine,
        lines: [...lines],
      };
      res.send(JSON.stringify(body));
    } else {
      res.send(formatTranscript(parsed.data, lines));
    }
  }

  #checkOrigin(req: Request, res: Response): void {
    const origin = req.headers.origin;
    if (!isOriginAllowed(req, this.config.ALLOWED_ORIGINS)) throw ApiError.forbiddenOrigin();
    if (origin) {
      res.set({ 'Access-Control-Allow-Origin': origin, Vary: 'Origin' });
    }
  }
}

/** A transcript that cannot be read now (cluster mode, Redis unreachable) is a 503 to retry. */
function unavailableAs503(error: unknown): never {
  if (error instanceof TranscriptUnavailableError) throw ApiError.clusterUnavailable();
  throw error;
}
