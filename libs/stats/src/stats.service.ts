import { Injectable, Logger } from '@nestjs/common';
import { AuditService } from '@tiltas/audit';
import { Clock, seesSmallCounts } from '@tiltas/common';
import { DatabaseService } from '@tiltas/database';
import { LawfulBasisService } from '@tiltas/lawful-bases';
import { OUTCOMES, REFERRAL_STATUSES } from '@tiltas/outreach';
import type { EntityManager } from 'typeorm';
import { statsCsv } from './stats-csv';
import { FOLLOW_UP_FIGURES, FUNNEL_FIGURES, FollowUpSection, StatsReport, countsBy, figureView, keyedViews, rateView } from './stats-report';
import { StatsActor, StatsQuery, monthsBetween, resolveStatsRequest, statsScope } from './stats-request';
import { FOLLOW_UP_REGISTERS, ListedFilter, StatsRepository } from './stats.repository';

/** DESIGN.md: following people through later extracts reads register data about them, for this purpose. */
export const FOLLOW_UP_PURPOSE = 'evaluation';

interface Shape {
  readonly months: string[];
  readonly cohorts: string[];
  readonly seesSmall: boolean;
}

/**
 * A municipality's statistics (or the country's, for a national viewer): the funnel from listed to
 * reached, closing outcomes and referrals, and the follow-up through the active extracts, each by month
 * and cohort with small cells suppressed. Everything is read in one transaction under the viewer's scope.
 */
@Injectable()
export class StatsService {
  private readonly logger = new Logger('Stats');

  constructor(
    private readonly db: DatabaseService,
    private readonly repository: StatsRepository,
    private readonly lawfulBases: LawfulBasisService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async report(actor: StatsActor, query: StatsQuery): Promise<StatsReport> {
    const filter = resolveStatsRequest(actor, query, this.clock.now());
    return this.db.transaction(statsScope(actor), (m) => this.build(m, actor, filter));
  }

  /** The same numbers as CSV; the download is itself a processing step with its own audit entry. */
  async csv(actor: StatsActor, query: StatsQuery): Promise<{ filename: string; csv: string; report: StatsReport }> {
    const filter = resolveStatsRequest(actor, query, this.clock.now());
    return this.db.transaction(statsScope(actor), async (m) => {
      const report = await this.build(m, actor, filter);
      const csv = statsCsv(report);
      const lines = csv.split('\n').length - 2;
      await this.audit.record(m, {
        actor: actor.userId,
        role: actor.role,
        municipality: report.municipality,
        action: 'export.downloaded',
        objectType: 'statistics',
        purpose: 'statistics',
        details: { format: 'csv', lines, ...filterDetails(filter), followUp: report.followUp.available },
      });
      const filename = `tiltas-statistics-${report.municipality ?? 'national'}-${filter.from}-${filter.to}${filter.cohort ? `-${filter.cohort}` : ''}.csv`;
      return { filename, csv, report };
    });
  }

  private async build(m: EntityManager, actor: StatsActor, filter: ListedFilter): Promise<StatsReport> {
    const started = Date.now();
    // One connection serves the transaction: the queries go one after another.
    const funnelRows = await this.repository.funnel(m, filter);
    const outcomeRows = await this.repository.outcomes(m, filter);
    const referralRows = await this.repository.referrals(m, filter);
    const cohortChoices = await this.repository.cohorts(m, filter.municipality);
    const shape: Shape = {
      months: monthsBetween(filter.from, filter.to),
      cohorts: filter.cohort ? [filter.cohort] : [...new Set(funnelRows.flatMap((r) => (r.cohort ? [r.cohort] : [])))].sort(),
      seesSmall: seesSmallCounts(actor),
    };
    const funnel = Object.fromEntries(
      FUNNEL_FIGURES.map((f) => [f, figureView(countsBy(funnelRows, (r) => r[f]), shape.months, shape.cohorts, shape.seesSmall)]),
    ) as StatsReport['funnel'];
    const followUp = await this.followUp(m, actor, filter, shape, funnel.listed);
    this.logger.log(
      { municipality: filter.municipality ?? 'national', from: filter.from, to: filter.to, cohort: filter.cohort, followUp: followUp.available, ms: Date.now() - started },
      'statistics read',
    );
    return {
      municipality: filter.municipality,
      from: filter.from,
      to: filter.to,
      cohort: filter.cohort,
      timeZone: 'Europe/Vilnius',
      months: shape.months,
      cohorts: shape.cohorts,
      cohortChoices: [...new Set([...cohortChoices, ...(filter.cohort ? [filter.cohort] : [])])].sort(),
      seesSmallCounts: shape.seesSmall,
      funnel,
      rates: { contact: rateView(funnel.contacted, funnel.listed), reach: rateView(funnel.reached, funnel.contacted) },
      outcomes: keyedViews(OUTCOMES, outcomeRows, shape.months, shape.cohorts, shape.seesSmall),
      referrals: keyedViews(REFERRAL_STATUSES, referralRows, shape.months, shape.cohorts, shape.seesSmall),
      followUp,
    };
  }

  /**
   * The follow-up reads the four registers about the listed people for the purpose `evaluation`: only
   * under a lawful basis that covers exactly that today, and with an audit entry naming it, in this
   * transaction. Without one the section is unavailable and says why; nothing is read.
   */
  private async followUp(m: EntityManager, actor: StatsActor, filter: ListedFilter, shape: Shape, listed: StatsReport['funnel']['listed']): Promise<FollowUpSection> {
    const coverage = await this.lawfulBases.findCovering({ purpose: FOLLOW_UP_PURPOSE, registers: [...FOLLOW_UP_REGISTERS], date: this.clock.today() }, m);
    if (!coverage.ok) return { available: false, problems: coverage.problems };
    const extracts = await this.repository.activeFollowUpExtracts(m);
    const rows = await this.repository.followUp(m, filter);
    const figures = Object.fromEntries(
      FOLLOW_UP_FIGURES.map((f) => [f, figureView(countsBy(rows, (r) => r[f]), shape.months, shape.cohorts, shape.seesSmall)]),
    ) as Extract<FollowUpSection, { available: true }>['figures'];
    await this.audit.record(m, {
      actor: actor.userId,
      role: actor.role,
      municipality: filter.municipality,
      action: 'statistics.followed_up',
      objectType: 'statistics',
      purpose: FOLLOW_UP_PURPOSE,
      lawfulBasisId: coverage.lawfulBasisId,
      details: {
        ...filterDetails(filter),
        registers: [...FOLLOW_UP_REGISTERS],
        extracts: extracts.map((e) => ({ register: e.register, extractId: e.extractId, asOf: e.asOf })),
        // How many people's register data was read: the log's count, never a published figure.
        people: countsBy(rows, (r) => r.listed)(null, null),
      },
    });
    return {
      available: true,
      lawfulBasisId: coverage.lawfulBasisId,
      extracts: extracts.map((e) => ({ register: e.register, asOf: e.asOf })),
      figures,
      rates: { any: rateView(figures.any, listed) },
    };
  }
}

function filterDetails(filter: ListedFilter): Record<string, string | null> {
  return { from: filter.from, to: filter.to, cohort: filter.cohort, scope: filter.municipality ?? 'national' };
}
