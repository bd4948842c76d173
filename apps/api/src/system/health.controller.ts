import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
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
    private readonly typeorm: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly status: SystemStatusService,
  ) {}

  /** The process is up and serving: nothing external is asked. */
  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([() => this.indicators.check('process').up({ uptimeSeconds: Math.round(process.uptime()) })]);
  }

  /** Ready to take traffic: PostgreSQL and Redis answer. */
  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([
      () => this.typeorm.pingCheck('postgres').withTimeout(1500),
      () => this.indicators.check('redis').attempt(() => this.status.pingRedis()).withTimeout(1500),
    ]);
  }
}
