import { Body, Controller, Get, HttpCode, Param, ParseIntPipe, Post, Query } from '@nestjs/common';
import { Actor, CurrentActor, Roles } from '@tiltas/access';
import { DomainError, isIsoDate } from '@tiltas/common';
import { IdentificationService, RunRecord } from '@tiltas/identification';
import { JobName, JobProducer, periodJobId } from '@tiltas/queue';
import { startedBy } from './started-by';

/**
 * Identification runs for coordinators and admins: list, show, start. A start enqueues the same job the
 * schedule enqueues (the worker runs it under the run lock); the response names the job to follow.
 */
@Controller('api/runs')
@Roles('ADMIN', 'COORDINATOR')
export class RunsController {
  constructor(
    private readonly identification: IdentificationService,
    private readonly producer: JobProducer,
  ) {}

  @Get()
  list(@Query('limit') limit?: string): Promise<RunRecord[]> {
    return this.identification.list(limit === undefined ? 50 : Number(limit) || 50);
  }

  @Get(':id')
  show(@Param('id', ParseIntPipe) id: number): Promise<RunRecord> {
    return this.identification.show(id);
  }

  @Post()
  @HttpCode(202)
  async start(@CurrentActor() actor: Actor, @Body() body: { asOf?: unknown; criteria?: unknown }): Promise<{ jobId: string; asOf: string }> {
    const asOf = body?.asOf;
    if (typeof asOf !== 'string' || !isIsoDate(asOf)) throw DomainError.validation('asOf must be a date (YYYY-MM-DD)');
    const criteria = body?.criteria;
    if (criteria !== undefined && (!Array.isArray(criteria) || criteria.length === 0 || !criteria.every((c) => typeof c === 'string'))) {
      throw DomainError.validation('criteria must be a non-empty list of criterion ids');
    }
    await this.identification.checkStart(actor, criteria as string[] | undefined);
    // A started run gets a job of its own (a repeat of the same D, versions and extracts is a no-op in the run).
    const jobId = `${periodJobId(JobName.IDENTIFY, asOf)}-api-${Date.now().toString(36)}`;
    await this.producer.enqueue(JobName.IDENTIFY, { asOf, criteria: criteria as string[] | undefined, trigger: 'api', startedBy: startedBy(actor) }, { jobId });
    return { jobId, asOf };
  }
}
