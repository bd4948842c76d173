import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '@tiltas/access';
import { DomainError, ErrorCode } from '@tiltas/common';
import { APP_CONFIG, AppConfig } from '@tiltas/config';
import type { Request, Response } from 'express';
import { createHash, timingSafeEqual } from 'node:crypto';
import { Registry } from 'prom-client';

export const API_METRICS = Symbol('API_METRICS');

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/**
 * Prometheus metrics, for the scraper holding METRICS_TOKEN (`Authorization: Bearer <token>`). Route and
 * queue figures tell an outsider what the service is doing and when, so they are not public; with no token
 * configured the endpoint is off. Public to the session guard only because the scraper has no account.
 */
@ApiExcludeController()
@Public()
@Controller('metrics')
export class MetricsController {
  private readonly expected: Buffer | null;

  constructor(
    @Inject(API_METRICS) private readonly registry: Registry,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.expected = config.metrics.token ? digest(config.metrics.token) : null;
  }

  @Get()
  async metrics(@Req() req: Request, @Res({ passthrough: true }) res: Response): Promise<string> {
    if (!this.expected) throw new DomainError(ErrorCode.NOT_FOUND, 'Metrics are off: set METRICS_TOKEN to serve them.');
    const presented = /^Bearer\s+(\S+)$/i.exec(req.get('authorization') ?? '')?.[1];
    // Compared as digests: equal lengths for timingSafeEqual, and no early exit on the first wrong byte.
    if (!presented || !timingSafeEqual(digest(presented), this.expected)) {
      throw new DomainError(ErrorCode.UNAUTHENTICATED, 'Metrics need the bearer token configured as METRICS_TOKEN.');
    }
    // Set only on success: a refusal keeps the JSON error body and its type.
    res.setHeader('Content-Type', 'text/plain; version=0.0.4');
    return this.registry.metrics();
  }
}
