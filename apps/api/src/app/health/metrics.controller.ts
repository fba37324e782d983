import { createHash, timingSafeEqual } from 'node:crypto';
import { isIP } from 'node:net';
import { Controller, Get, Req } from '@nestjs/common';
import type { Request } from 'express';
import { ApiError } from '../common/api-error';
import { AppConfig } from '../config/app-config';
import { bearerToken } from '../sessions/bearer';
import { MetricsService, type Metrics } from './metrics.service';

/** True for 127.0.0.0/8, ::1 and IPv4-mapped loopback. */
export function isLoopback(address: string | undefined): boolean {
  if (!address) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  if (isIP(v4) === 4) return v4.startsWith('127.');
  return address === '::1';
}

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
  get(@Req() req: Request): Metrics {
    const local = isLoopback(req.socket.remoteAddress) && isLoopback(req.ip);
    if (!local && !this.#tokenMatches(bearerToken(req.headers.authorization))) {
      throw new ApiError(403, 'forbidden', 'metrics are only served to loopback addresses');
    }
    return this.metrics.snapshot();
  }

  #tokenMatches(token: string | undefined): boolean {
    const expected = this.config.METRICS_TOKEN;
    if (!expected || !token) return false;
    const digest = (value: string) => createHash('sha256').update(value).digest();
    return timingSafeEqual(digest(token), digest(expected));
  }
}
