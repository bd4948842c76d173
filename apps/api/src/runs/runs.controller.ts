import { Body, Controller, Get, HttpCode, Post, Query } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Actor, CurrentActor, Roles } from '@tiltas/access';
import { DomainError, isIsoDate } from '@tiltas/common';
import { IdentificationService, RunRecord } from '@tiltas/identification';
import { JobName, JobProducer, periodJobId } from '@tiltas/queue';
import { ApiErrorResponse, ApiJsonResponse, ApiStandardErrors, IdParam } from '../platform/api-docs';
import { RUN_RECORD, RUN_STARTED, listOf } from '../platform/api-schemas';
import { RunsQueryDto } from './runs.dto';
import { startedBy } from './started-by';

/**
 * Identification runs for coordinators and admins: list, show, start. A start enqueues the same job the
 * schedule enqueues (the worker runs it under the run lock); the response names the job to follow.
 */
@ApiStandardErrors()
@ApiTags('runs')
@Controller('api/runs')
@Roles('ADMIN', 'COORDINATOR')
export class RunsController {
  constructor(
    private readonly identification: IdentificationService,
    private readonly producer: JobProducer,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Identification runs, newest first' })
  @ApiJsonResponse(200, 'The runs', listOf(RUN_RECORD))
  list(@Query() query: RunsQueryDto): Promise<RunRecord[]> {
    return this.identification.list(query.limit ?? 50);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One run: its criteria versions, extracts, counts per cohort and outcome' })
  @ApiJsonResponse(200, 'The run', RUN_RECORD)
  @ApiErrorResponse(404, 'No such run')
  show(@IdParam('id', 'int4') id: number): Promise<RunRecord> {
    return this.identification.show(id);
  }

  @Post()
  @HttpCode(202)
  @ApiOperation({ summary: 'Start a run at a date (the worker runs it; a repeat of the same date, versions and extracts changes nothing)' })
  @ApiBody({
    schema: {
      type: 'object',
      required: ['asOf'],
      properties: {
        asOf: { type: 'string', format: 'date', example: '2026-10-01' },
        criteria: { type: 'array', minItems: 1, items: { type: 'string' }, description: 'Criterion ids; every active criterion when absent.' },
      },
    },
  })
  @ApiJsonResponse(202, 'Queued: the job to follow', RUN_STARTED)
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
