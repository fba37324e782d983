import { Controller, Get, Req } from '@nestjs/common';
import { isIP } from 'node:net';
import type { Request } from 'express';
import { ApiError } from '../common/api-error';
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
  constructor(private readonly metrics: MetricsService) {}

  /**
   * Process metrics as JSON, for loopback callers only: both the TCP peer and the client that
   * Express sees through a trusted loopback proxy (`X-Forwarded-For`) must be local, so a
   * reverse proxy on the same host does not publish the route.
   */
  @Get('metrics')
  get(@Req() req: Request): Metrics {
    if (!isLoopback(req.socket.remoteAddress) || !isLoopback(req.ip)) {
      throw new ApiError(403, 'forbidden', 'metrics are only served to loopback addresses');
    }
    return this.metrics.snapshot();
  }
}
