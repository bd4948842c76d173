import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Actor, CurrentActor, Roles } from '@tiltas/access';
import { DomainError, ErrorCode } from '@tiltas/common';
import { MUNICIPALITY_CODES } from '@tiltas/registers';
import { StatsQuery, StatsReport, StatsService } from '@tiltas/stats';
import type { Response } from 'express';
import { join } from 'node:path';
import { Messages, pageLanguage } from '../platform/messages';
import { VIEWS_DIR } from '../platform/view-engine';
import { field, renderPage } from './page-render';
import { statisticsPage } from './statistics-view';

// Read on first use, not at import: a build that links its views in at start-up (the benchmarks) imports
// this module before the catalogue is there.
let catalogue: Messages | null = null;
const messagesOf = (): Messages => (catalogue ??= new Messages(join(VIEWS_DIR, 'i18n')));

function queryOf(query: Record<string, unknown>): StatsQuery {
  return { from: field(query, 'from'), to: field(query, 'to'), cohort: field(query, 'cohort'), municipality: field(query, 'municipality') };
}

/** The CSV link carries the page's own filter, so the download holds exactly the numbers on the page. */
function csvHref(report: StatsReport): string {
  const params = new URLSearchParams({ from: report.from, to: report.to });
  if (report.cohort) params.set('cohort', report.cohort);
  params.set('municipality', report.municipality ?? 'national');
  return `/api/statistics/csv?${params.toString()}`;
}

/**
 * The statistics page for coordinators, auditors and administrators: a filter that works as a plain GET
 * form, tables with headers, server-rendered SVG charts of the same numbers, and the CSV link.
 */
@ApiExcludeController()
@Controller()
export class StatisticsPagesController {
  constructor(private readonly stats: StatsService) {}

  @Get('statistics')
  @Roles('COORDINATOR', 'AUDITOR', 'ADMIN')
  async page(@CurrentActor() actor: Actor, @Query() query: Record<string, unknown>, @Res() res: Response): Promise<void> {
    let report: StatsReport;
    let error: string | null = null;
    try {
      report = await this.stats.report(actor, queryOf(query));
    } catch (err) {
      if (!(err instanceof DomainError && err.code === ErrorCode.VALIDATION_FAILED)) throw err;
      // A mistyped month shows the form again with the reason, over the default period.
      error = err.message;
      report = await this.stats.report(actor, { cohort: undefined, municipality: field(query, 'municipality') });
    }
    const lang = pageLanguage(actor.language);
    const national = actor.scope === 'national';
    renderPage(
      res,
      actor,
      'statistics',
      'statistics.title',
      {
        titleParams: { where: report.municipality ?? messagesOf().t(lang, 'statistics.national') },
        report,
        error,
        view: statisticsPage(report, messagesOf(), lang),
        cohorts: report.cohortChoices.map((c) => ({ value: c, selected: c === report.cohort })),
        municipalities: national ? MUNICIPALITY_CODES.map((m) => ({ value: m, selected: m === report.municipality })) : null,
        csvHref: csvHref(report),
      },
      { status: error ? 400 : 200 },
    );
  }
}
