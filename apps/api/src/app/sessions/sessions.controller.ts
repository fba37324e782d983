import {
  Body,
  Controller,
  Delete,
  Headers,
  HttpCode,
  Param,
  Post,
  UseGuards,
} from '@nestjs/common';
import { ThrottlerGuard } from '@nestjs/throttler';
import { CreateSessionRequestSchema, CreateSessionResponse } from '@whisperstream/shared-types';
import { ApiError } from '../common/api-error';
import { AppConfig } from '../config/app-config';
import { bearerToken } from './bearer';
import { Session } from './session';
import { SessionService } from './sessions.service';

@Controller('api/sessions')
export class SessionsController {
  constructor(
    private readonly sessions: SessionService,
    private readonly config: AppConfig,
  ) {}

  @Post()
  @UseGuards(ThrottlerGuard)
  create(@Body() body: unknown): CreateSessionResponse {
    const parsed = CreateSessionRequestSchema.safeParse(body ?? {});
    if (!parsed.success) {
      throw ApiError.badRequest(
        'invalid_body',
        parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
      );
    }
    const { session, token, expiresAt } = this.sessions.create(parsed.data);
    return {
      sessionId: session.id,
      token,
      iceServers: this.config.ICE_SERVERS,
      expiresAt: expiresAt.toISOString(),
    };
  }

  @Delete(':id')
  @HttpCode(204)
  remove(@Param('id') id: string, @Headers('authorization') authorization?: string): void {
    const session = this.sessions.lookup(id, bearerToken(authorization));
    // Deleting a session that has already ended changes nothing.
    if (session instanceof Session) void this.sessions.close(session, { reason: 'deleted' });
  }
}
