import { createHash, timingSafeEqual } from 'node:crypto';
import { Controller, Get, Req } from '@nestjs/common';
import type { Request } from 'express';
import { ApiError } from '../common/api-error';
import { isLoopback } from '../common/loopback';
import { AppConfig } from '../config/app-config';
import { bearerToken } from '../sessions/bearer';
import { MetricsService, type ProcessMetrics } from './metrics.service';

@Controller()
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    private readonly config: AppConfig,
  ) {}

  /**
   * Process metrics as JSON, for loopback callers only: both the TCP peer and the client that
   * Express sees through a trusted loopback proxy (`X-Forwarded-For`) must be local, so a
   * reverse proxy on the same host does not publish the route. With METRICS_TOKEN set, any
   * caller with `Authorization: Bearer <METRICS_TOKEN>` is served too.
   */
  @Get('metrics')
  get(@Req() req: Request): Promise<ProcessMetrics> {
    const local = isLoopback(req.socket.remoteAddress) && isLoopback(req.ip);
    if (!local && !this.#tokenMatches(bearerToken(req.headers.authorization))) {
      throw new ApiError(403, 'forbidden', 'metrics are only served to loopback addresses');
    }
    return this.metrics.collect();
  }

  #tokenMatches(token: string | undefined): boolean {
    const expected = this.config.METRICS_TOKEN;
    if (!expected || !token) return false;
    const digest = (value: string) => createHash('sha256').update(value).digest();
    return timingSafeEqual(digest(token), digest(expected));
  }
}
