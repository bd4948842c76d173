import { Body, Controller, Get, Param, ParseIntPipe, Post, Query, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Actor, CurrentActor, Roles } from '@tiltas/access';
import { Clock, DomainError, isIsoDate } from '@tiltas/common';
import { IdentificationService, RunRecord } from '@tiltas/identification';
import { JobName, JobProducer, periodJobId } from '@tiltas/queue';
import type { Response } from 'express';
import { startedBy } from '../runs/started-by';
import { field, renderPage } from './page-render';

/** How long a started run is watched for before the page stops refreshing itself. */
const WATCH_MS = 10 * 60_000;

function shownRun(run: RunRecord) {
  return {
    ...run,
    seconds: run.durationMs === null ? null : (run.durationMs / 1000).toFixed(1),
    matched: run.counts.reduce((sum, c) => sum + c.matched, 0),
    running: run.status === 'RUNNING',
    suppressedRows: Object.entries(run.suppressed ?? {})
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([outcome, people]) => ({ outcome, people })),
  };
}

/**
 * Identification runs: the list with counts and durations, one run, and starting a run by hand (the
 * same job the schedule enqueues). While a run is going, or a started one has not appeared yet, the page
 * refreshes itself (a meta refresh: it works without script and under the CSP).
 */
@ApiExcludeController()
@Controller('runs')
@Roles('COORDINATOR', 'ADMIN')
export class RunsPagesController {
  constructor(
    private readonly identification: IdentificationService,
    private readonly producer: JobProducer,
    private readonly clock: Clock,
  ) {}

  @Get()
  async list(@CurrentActor() actor: Actor, @Query() query: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const runs = (await this.identification.list(50)).map(shownRun);
    const since = Number(field(query, 'since') ?? NaN);
    const watching = Number.isFinite(since) && this.clock.now().getTime() - since < WATCH_MS;
    const startedAppeared = watching && runs.some((r) => Date.parse(r.startedAt) >= since - 1000 && !r.running);
    renderPage(res, actor, 'runs', 'runs.title', {
      runs,
      today: this.clock.now().toISOString().slice(0, 10),
      started: field(query, 'started') ?? null,
      refresh: runs.some((r) => r.running) || (watching && !startedAppeared),
    });
  }

  @Get(':id')
  async show(@CurrentActor() actor: Actor, @Param('id', ParseIntPipe) id: number, @Res() res: Response): Promise<void> {
    const run = shownRun(await this.identification.show(id));
    renderPage(res, actor, 'run', 'runs.detail.title', { titleParams: { id }, run, refresh: run.running });
  }

  @Post()
  async start(@CurrentActor() actor: Actor, @Body() body: Record<string, unknown>, @Res() res: Response): Promise<void> {
    const asOf = field(body, 'asOf');
    if (asOf === undefined || !isIsoDate(asOf)) throw DomainError.validation('The run date must be YYYY-MM-DD.');
    await this.identification.checkStart(actor);
    const now = this.clock.now().getTime();
    await this.producer.enqueue(JobName.IDENTIFY, { asOf, trigger: 'api', startedBy: startedBy(actor) }, { jobId: `${periodJobId(JobName.IDENTIFY, asOf)}-page-${now.toString(36)}` });
    res.redirect(303, `/runs?started=${asOf}&since=${now}`);
  }
}
