import { Body, Controller, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { ApiErrorResponse, ApiJsonResponse, ApiStandardErrors } from '../platform/api-docs';
import { PING_QUEUED, PING_RESULT } from '../platform/api-schemas';
import { DomainError } from '@tiltas/common';
import { DatabaseService } from '@tiltas/database';
import { JobName, JobProducer } from '@tiltas/queue';
import { IsString, Matches } from 'class-validator';
import { Roles } from '@tiltas/access';

export class PingDto {
  @ApiProperty({ description: 'Any token; the worker writes it back.', example: 'probe-1', pattern: '^[A-Za-z0-9_-]{1,64}$' })
  @IsString()
  @Matches(/^[A-Za-z0-9_-]{1,64}$/)
  token!: string;
}

/**
 * A round trip through the worker, for an administrator checking a deployment (or an ADMIN service
 * account's probe). Not public: each ping enqueues a job and writes a row.
 */
@ApiStandardErrors()
@ApiTags('operations')
@Roles('ADMIN')
@Controller('api/system')
export class SystemController {
  constructor(
    private readonly producer: JobProducer,
    private readonly db: DatabaseService,
  ) {}

  @Post('ping')
  @HttpCode(202)
  @ApiOperation({ summary: 'Enqueue a round trip through the worker' })
  @ApiJsonResponse(202, 'Queued', PING_QUEUED)
  async ping(@Body() body: PingDto): Promise<{ jobId: string }> {
    const job = await this.producer.enqueue(JobName.PING, { token: body.token }, { jobId: `system.ping@${body.token}` });
    return { jobId: String(job.id) };
  }

  @Get('ping/:token')
  @ApiOperation({ summary: 'Whether the worker has processed a ping' })
  @ApiJsonResponse(200, 'Processed', PING_RESULT)
  @ApiErrorResponse(404, 'Not processed (yet)')
  async pingResult(@Param('token') token: string): Promise<{ token: string; processedBy: string; processedAt: string }> {
    const rows = (await this.db.dataSource.query('SELECT token, processed_by, processed_at FROM system_ping WHERE token = $1', [token])) as Array<{
      token: string;
      processed_by: string;
      processed_at: Date;
    }>;
    if (rows.length === 0) throw DomainError.notFound('ping');
    return { token: rows[0].token, processedBy: rows[0].processed_by, processedAt: rows[0].processed_at.toISOString() };
  }
}
