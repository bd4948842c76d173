import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Actor, CurrentActor, Roles } from '@tiltas/access';
import { StatsReport, StatsService } from '@tiltas/stats';
import type { Response } from 'express';
import { ApiJsonResponse, ApiStandardErrors } from '../platform/api-docs';
import { STATS_REPORT } from '../platform/api-schemas';
import { StatsQueryDto } from './stats.dto';

/**
 * The municipality's statistics: coordinators read their own, auditors and administrators their own or,
 * when national, any municipality or the country. Counts under 5 are "<5" and "*" hides a count that would
 * give one away, except in the national admin view.
 */
@ApiStandardErrors()
@ApiTags('statistics')
@Roles('COORDINATOR', 'AUDITOR', 'ADMIN')
@Controller('api/statistics')
export class StatsController {
  constructor(private readonly stats: StatsService) {}

  @Get()
  @ApiOperation({
    summary: 'Listed, assigned, contacted, reached, closing outcomes, referrals by status and the follow-up through the active extracts, by month and cohort',
    description:
      'A case counts in the month it was listed (created), a calendar month in Europe/Vilnius. Each figure has `total`, `byMonth`, `byCohort` and `cells` (month → cohort). The follow-up is `available: false` with the reasons when no lawful basis covers the purpose `evaluation` for employment, education, jobseekers and social_services; when computed it is logged with its basis.',
  })
  @ApiJsonResponse(200, 'The report; counts are numbers, "<5" or "*", rates whole percent, "*" or null.', STATS_REPORT)
  report(@CurrentActor() actor: Actor, @Query() query: StatsQueryDto): Promise<StatsReport> {
    return this.stats.report(actor, query);
  }

  @Get('csv')
  @ApiOperation({ summary: 'The same numbers as CSV (municipality, figure, month, cohort, value; `all` for totals), logged as export.downloaded' })
  @ApiOkResponse({ description: 'The CSV', content: { 'text/csv': { schema: { type: 'string' } } } })
  async csv(@CurrentActor() actor: Actor, @Query() query: StatsQueryDto, @Res() res: Response): Promise<void> {
    const { filename, csv } = await this.stats.csv(actor, query);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="${filename}"`);
    res.send(csv);
  }
}
