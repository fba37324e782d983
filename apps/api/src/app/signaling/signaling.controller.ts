import { Body, Controller, Headers, HttpCode, Param, Post } from '@nestjs/common';
import { SdpAnswer, SdpOfferSchema } from '@whisperstream/shared-types';
import { ApiError } from '../common/api-error';
import { bearerToken } from '../sessions/bearer';
import { SessionService } from '../sessions/sessions.service';
import { SignalingService } from './signaling.service';

@Controller('api/sessions')
export class SignalingController {
  constructor(
    private readonly sessions: SessionService,
    private readonly signaling: SignalingService,
  ) {}

  @Post(':id/offer')
  @HttpCode(200)
  async offer(
    @Param('id') id: string,
    @Body() body: unknown,
    @Headers('authorization') authorization?: string,
  ): Promise<SdpAnswer> {
    const session = this.sessions.authenticate(id, bearerToken(authorization));
    const parsed = SdpOfferSchema.safeParse(body);
    if (!parsed.success) {
      const tooLong = parsed.error.issues.some((i) => i.code === 'too_big');
      if (tooLong) throw new ApiError(413, 'sdp_too_large', 'the SDP offer is too large');
      throw ApiError.badRequest('invalid_sdp', 'the body must be {"type":"offer","sdp":"..."}');
    }
    return this.signaling.answer(session, parsed.data.sdp);
  }
}
