import { Controller, Get, Res, ServiceUnavailableException } from '@nestjs/common';
import type { Response } from 'express';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService } from '@nestjs/terminus';
import { ApiStandardErrors } from '../platform/api-docs';
import { SystemStatusService } from './system-status.service';
import { Public } from '@tiltas/access';

@ApiStandardErrors()
@ApiTags('operations')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly status: SystemStatusService,
  ) {}

  /** The process is up and serving: nothing external is asked. */
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([() => this.indicators.check('process').up({ uptimeSeconds: Math.round(process.uptime()) })]);
  }

  /**
   * Ready to take traffic: PostgreSQL and Redis answer. Red (503) names each one that does not, with
   * where it was looked for and why, within READY_TIMEOUT_MS however the network fails.
   */
  @Get('ready')
  @HealthCheck()
  async ready(@Res({ passthrough: true }) res: Response) {
    try {
      return await this.health.check([
        () => this.indicators.check('postgres').attempt(() => named(`PostgreSQL at ${this.status.postgresWhere}`, this.status.pingPostgres())),
        () => this.indicators.check('redis').attempt(() => named(`Redis at ${this.status.redisWhere}`, this.status.pingRedis())),
      ]);
    } catch (err) {
      // Terminus answers red with an exception whose body says what is down; thrown on, the error filter
      // would turn it into a bare "Service Unavailable" that names nothing.
      if (!(err instanceof ServiceUnavailableException)) throw err;
      const body = err.getResponse() as { error?: Record<string, { message?: string }> };
      res.status(503);
      res.setHeader('Cache-Control', 'no-store');
      const down = Object.values(body.error ?? {}).map((e) => e.message ?? 'unavailable');
      return { ...body, message: `not ready: ${down.join('; ')}` };
    }
  }
}

const READY_TIMEOUT_MS = 1500;

/** The check's outcome, its failure reworded to name the service and bounded in time. */
async function named(what: string, check: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
  });
  try {
    await Promise.race([check, timeout]);
  } catch (err) {
    throw new Error(`${what} is unavailable: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  } finally {
    clearTimeout(timer);
  }
}
