import {
  Body,
  Controller,
  Delete,
  Headers,
  HttpCode,
  Param,
  Post,
  Req,
  UseGuards,
} from '@nestjs/common';
import type { Request } from 'express';
import { ClusterForwarder } from '../cluster/forwarder';
import { ThrottlerGuard } from '@nestjs/throttler';
import { CreateSessionRequestSchema, CreateSessionResponse } from '@whisperstream/shared-types';
import { ApiError } from '../common/api-error';
import { AppConfig } from '../config/app-config';
import { bearerToken } from './bearer';
import { RemoteSession } from './remote-session';
import { Session } from './session';
import { SessionService } from './sessions.service';

@Controller('api/sessions')
export class SessionsController {
  constructor(
    private readonly sessions: SessionService,
    private readonly config: AppConfig,
    private readonly forwarder: ClusterForwarder,
  ) {}

  @Post()
  @UseGuards(ThrottlerGuard)
  async create(@Body() body: unknown): Promise<CreateSessionResponse> {
    const parsed = CreateSessionRequestSchema.safeParse(body ?? {});
    if (!parsed.success) {
      throw ApiError.badRequest(
        'invalid_body',
        parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
      );
    }
    const { session, token, expiresAt } = await this.sessions.create(parsed.data);
    return {
      sessionId: session.id,
      token,
      iceServers: this.config.ICE_SERVERS,
      expiresAt: expiresAt.toISOString(),
    };
  }

  @Delete(':id')
  @HttpCode(204)
  async remove(
    @Param('id') id: string,
    @Req() req: Request,
    @Headers('authorization') authorization?: string,
  ): Promise<void> {
    const session = await this.sessions.lookupAnywhere(id, bearerToken(authorization));
    // Another node holds its media: that node ends it.
    if (session instanceof RemoteSession && session.isOpen) {
      await this.forwarder.http(session, req);
      return;
    }
    // Deleting a session that has already ended changes nothing.
    if (session instanceof Session) void this.sessions.close(session, { reason: 'deleted' });
  }
}
