import { createHash, timingSafeEqual } from 'node:crypto';
import { Controller, Get, Req, Res } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ApiError } from '../common/api-error';
import { isLoopback } from '../common/loopback';
import { AppConfig } from '../config/app-config';
import { bearerToken } from '../sessions/bearer';
import { MetricsService, type ProcessMetrics } from './metrics.service';
import { PrometheusService } from './prometheus.service';

@Controller()
export class MetricsController {
  constructor(
    private readonly metrics: MetricsService,
    private readonly config: AppConfig,
    private readonly prometheus: PrometheusService,
  ) {}

  /** The Prometheus text format (see PrometheusService), to the same callers as the JSON. */
  @Get('metrics')
  async prometheusText(
    @Req() req: Request,
    @Res({ passthrough: true }) res: Response,
  ): Promise<string> {
    this.#authorize(req);
    const body = await this.prometheus.render();
    res.type(this.prometheus.contentType);
    return body;
  }

  /** Process metrics as JSON, for the benchmarks and the tests (schemas in shared-types). */
  @Get('metrics.json')
  get(@Req() req: Request): Promise<ProcessMetrics> {
    this.#authorize(req);
    return this.metrics.collect();
  }

  /**
   * Metrics are for loopback callers only: both the TCP peer and the client that Express sees
   * through a trusted loopback proxy (`X-Forwarded-For`) must be local, so a reverse proxy on
   * the same host does not publish the routes. With METRICS_TOKEN set, any caller with
   * `Authorization: Bearer <METRICS_TOKEN>` is served too.
   */
  #authorize(req: Request): void {
    const local = isLoopback(req.socket.remoteAddress) && isLoopback(req.ip);
    if (!local && !this.#tokenMatches(bearerToken(req.headers.authorization))) {
      throw new ApiError(403, 'forbidden', 'metrics are only served to loopback addresses');
    }
  }

  #tokenMatches(token: string | undefined): boolean {
    const expected = this.config.METRICS_TOKEN;
    if (!expected || !token) return false;
    const digest = (value: string) => createHash('sha256').update(value).digest();
    return timingSafeEqual(digest(token), digest(expected));
  }
}
