import { Body, Controller, Headers, HttpCode, Param, Post, Req } from '@nestjs/common';
import type { Request } from 'express';
import { ClusterForwarder } from '../cluster/forwarder';
import { RemoteSession } from '../sessions/remote-session';
import { SdpAnswer, SdpAnswerSchema, SdpOfferSchema } from '@whisperstream/shared-types';
import { ApiError } from '../common/api-error';
import { bearerToken } from '../sessions/bearer';
import { SessionService } from '../sessions/sessions.service';
import { SignalingService } from './signaling.service';

@Controller('api/sessions')
export class SignalingController {
  constructor(
    private readonly sessions: SessionService,
    private readonly signaling: SignalingService,
    private readonly forwarder: ClusterForwarder,
  ) {}

  @Post(':id/offer')
  @HttpCode(200)
  async offer(
    @Param('id') id: string,
    @Body() body: unknown,
    @Req() req: Request,
    @Headers('authorization') authorization?: string,
  ): Promise<SdpAnswer> {
    const token = bearerToken(authorization);
    const found = await this.sessions.lookupAnywhere(id, token);
    // Another node holds the session: its media will be there, so the offer goes there.
    if (found instanceof RemoteSession) {
      if (!found.isOpen) throw new ApiError(409, 'session_closed', 'the session has ended');
      return SdpAnswerSchema.parse(await this.forwarder.http(found, req, body));
    }
    const session = this.sessions.authenticate(id, token);
    const parsed = SdpOfferSchema.safeParse(body);
    if (!parsed.success) {
      const tooLong = parsed.error.issues.some((i) => i.code === 'too_big');
      if (tooLong) throw new ApiError(413, 'sdp_too_large', 'the SDP offer is too large');
      throw ApiError.badRequest('invalid_sdp', 'the body must be {"type":"offer","sdp":"..."}');
    }
    return this.signaling.answer(session, parsed.data.sdp);
  }
}
