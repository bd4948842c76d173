import { Injectable } from '@nestjs/common';
import { AuditService } from '@tiltas/audit';
import { Clock, SMALL_COUNT_LIMIT, seesSmallCounts } from '@tiltas/common';
import { DatabaseService } from '@tiltas/database';
import { LawfulBasisService } from '@tiltas/lawful-bases';
import type { EntityManager } from 'typeorm';
import { COMPARISON_GROUPS, ComparisonGroup, ComparisonRepository, ComparisonRow, HORIZONS, OUTCOME_REGISTERS } from './comparison.repository';
import { Interval, newcombe, wilson } from './intervals';
import { StatsActor, StatsQuery, resolveStatsRequest, statsScope } from './stats-request';
import type { ListedFilter } from './stats.repository';
import { HIDDEN, SMALL, StatValue } from './suppression';

const EVALUATION = 'evaluation';

/** A share (or a difference of shares) with its 95% interval; HIDDEN when a count under it is small. */
export type ShownInterval = Interval | typeof HIDDEN | null;

export interface ComparisonCell {
  readonly group: ComparisonGroup;
  readonly followed: StatValue;
  readonly positive: StatValue;
  /** Share in work, education or services, Wilson 95%. */
  readonly share: ShownInterval;
  /** This group's share minus the reached group's, Newcombe 95%; null for the reached group itself. */
  readonly differenceFromReached: ShownInterval;
  readonly custodyFollowed: StatValue;
  readonly custody: StatValue;
  readonly custodyShare: ShownInterval;
}

export interface ComparisonSlice {
  readonly municipality: string | null;
  readonly month: string | null;
  readonly cohort: string | null;
  readonly horizon: number;
  readonly groups: readonly ComparisonCell[];
}

export type ComparisonReport =
  | {
      readonly available: true;
      /** Always 'observational': who was reached was not chosen at random, so a difference is not an effect. */
      readonly design: 'observational';
      readonly lawfulBasisId: string;
      readonly municipality: string | null;
      readonly from: string;
      readonly to: string;
      readonly cohort: string | null;
      readonly seesSmallCounts: boolean;
      /** All months and cohorts together, one slice per horizon. */
      readonly headline: readonly ComparisonSlice[];
      /** Every slice: by month and cohort, by cohort, by municipality and cohort. */
      readonly slices: readonly ComparisonSlice[];
    }
  | { readonly available: false; readonly problems: string[] };

export const COMPARISON_CSV_HEADER =
  'municipality,month,cohort,horizon_days,group,followed,in_work_education_services,share,share_low95,share_high95,difference_from_reached,difference_low95,difference_high95,custody_followed,back_in_custody';

/**
 * Reached against listed-but-not-reached, at each horizon, from the kept follow-up facts: an observational
 * comparison, never presented as an effect. Read under a lawful basis covering `evaluation` and audited in
 * the same transaction; suppressed as the statistics are.
 */
@Injectable()
export class ComparisonService {
  constructor(
    private readonly db: DatabaseService,
    private readonly repository: ComparisonRepository,
    private readonly lawfulBases: LawfulBasisService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  async comparison(actor: StatsActor, query: StatsQuery): Promise<ComparisonReport> {
    const filter = resolveStatsRequest(actor, query, this.clock.now());
    return this.db.transaction(statsScope(actor), (m) => this.build(m, actor, filter));
  }

  async csv(actor: StatsActor, query: StatsQuery): Promise<{ filename: string; csv: string }> {
    const filter = resolveStatsRequest(actor, query, this.clock.now());
    return this.db.transaction(statsScope(actor), async (m) => {
      const report = await this.build(m, actor, filter);
      const csv = comparisonCsv(report);
      await this.audit.record(m, {
        actor: actor.userId,
        role: actor.role,
        municipality: filter.municipality,
        action: 'export.downloaded',
        objectType: 'statistics',
        purpose: 'statistics',
        details: { format: 'csv', table: 'comparison', lines: csv.split('\n').length - 2, from: filter.from, to: filter.to, cohort: filter.cohort, scope: filter.municipality ?? 'national' },
      });
      return { filename: `tiltas-comparison-${filter.municipality ?? 'national'}-${filter.from}-${filter.to}.csv`, csv };
    });
  }

  private async build(m: EntityManager, actor: StatsActor, filter: ListedFilter): Promise<ComparisonReport> {
    const coverage = await this.lawfulBases.findCovering({ purpose: EVALUATION, registers: [...OUTCOME_REGISTERS], date: this.clock.today() }, m);
    if (!coverage.ok) return { available: false, problems: coverage.problems };
    const rows = await this.repository.rows(m, filter);
    const seesSmall = seesSmallCounts(actor);
    const slices = toSlices(rows, seesSmall);
    await this.audit.record(m, {
      actor: actor.userId,
      role: actor.role,
      municipality: filter.municipality,
      action: 'statistics.compared',
      objectType: 'statistics',
      purpose: EVALUATION,
      lawfulBasisId: coverage.lawfulBasisId,
      details: { from: filter.from, to: filter.to, cohort: filter.cohort, scope: filter.municipality ?? 'national', source: 'follow_up_fact' },
    });
    return {
      available: true,
      design: 'observational',
      lawfulBasisId: coverage.lawfulBasisId,
      municipality: filter.municipality,
      from: filter.from,
      to: filter.to,
      cohort: filter.cohort,
      seesSmallCounts: seesSmall,
      headline: HORIZONS.map((h) => slices.find((s) => s.horizon === h && s.month === null && s.cohort === null && s.municipality === null) ?? emptySlice(h)),
      slices,
    };
  }
}

function emptySlice(horizon: number): ComparisonSlice {
  return { municipality: null, month: null, cohort: null, horizon, groups: COMPARISON_GROUPS.map((g) => cell(g, 0, 0, 0, 0, null, true)) };
}

/** A count as shown: 0 is 0 (nobody), 1 to 4 "<5" for a viewer who may not see small counts. */
function shownCount(n: number, seesSmall: boolean): StatValue {
  return seesSmall || n === 0 || n >= SMALL_COUNT_LIMIT ? n : SMALL;
}

/** A share's interval is shown only when neither its successes nor its failures are a small count. */
function shareShown(x: number, n: number, seesSmall: boolean): boolean {
  const small = (v: number) => v > 0 && v < SMALL_COUNT_LIMIT;
  return seesSmall || !(small(x) || small(n - x));
}

function cell(group: ComparisonGroup, followed: number, positive: number, custodyFollowed: number, custody: number, reached: { x: number; n: number } | null, seesSmall: boolean): ComparisonCell {
  const share = shareShown(positive, followed, seesSmall) ? wilson(positive, followed) : HIDDEN;
  let difference: ShownInterval = null;
  if (group !== 'reached') {
    difference = reached && share !== HIDDEN && shareShown(reached.x, reached.n, seesSmall) ? newcombe(positive, followed, reached.x, reached.n) : reached ? HIDDEN : null;
    if (reached && reached.n === 0) difference = null;
  }
  return {
    group,
    followed: shownCount(followed, seesSmall),
    positive: shownCount(positive, seesSmall),
    share,
    differenceFromReached: difference,
    custodyFollowed: shownCount(custodyFollowed, seesSmall),
    custody: shownCount(custody, seesSmall),
    custodyShare: shareShown(custody, custodyFollowed, seesSmall) ? wilson(custody, custodyFollowed) : HIDDEN,
  };
}

function toSlices(rows: readonly ComparisonRow[], seesSmall: boolean): ComparisonSlice[] {
  const byKey = new Map<string, Map<ComparisonGroup, ComparisonRow>>();
  const keyOf = (r: { municipality: string | null; month: string | null; cohort: string | null; horizon: number }) => `${r.municipality ?? ''}|${r.month ?? ''}|${r.cohort ?? ''}|${r.horizon}`;
  for (const r of rows) {
    const k = keyOf(r);
    if (!byKey.has(k)) byKey.set(k, new Map());
    byKey.get(k)!.set(r.grp, r);
  }
  const slices: ComparisonSlice[] = [];
  for (const groups of byKey.values()) {
    const any = [...groups.values()][0];
    const reached = groups.get('reached');
    const ref = { x: reached?.positive ?? 0, n: reached?.followed ?? 0 };
    slices.push({
      municipality: any.municipality,
      month: any.month,
      cohort: any.cohort,
      horizon: any.horizon,
      groups: COMPARISON_GROUPS.map((g) => {
        const r = groups.get(g);
        return cell(g, r?.followed ?? 0, r?.positive ?? 0, r?.custody_followed ?? 0, r?.custody ?? 0, ref, seesSmall);
      }),
    });
  }
  return slices;
}

const num = (v: number | undefined) => (v === undefined ? '' : v.toFixed(4));

export function comparisonCsv(report: ComparisonReport): string {
  const lines = [COMPARISON_CSV_HEADER];
  if (report.available) {
    for (const s of report.slices) {
      for (const g of s.groups) {
        const share = g.share && g.share !== HIDDEN ? g.share : undefined;
        const diff = g.differenceFromReached && g.differenceFromReached !== HIDDEN ? g.differenceFromReached : undefined;
        const hiddenMark = (v: ShownInterval) => (v === HIDDEN ? HIDDEN : '');
        lines.push(
          [
            s.municipality ?? 'ALL',
            s.month ?? 'ALL',
            s.cohort ?? 'ALL',
            s.horizon,
            g.group,
            g.followed,
            g.positive,
            share ? num(share.estimate) : hiddenMark(g.share),
            num(share?.low),
            num(share?.high),
            diff ? num(diff.estimate) : hiddenMark(g.differenceFromReached),
            num(diff?.low),
            num(diff?.high),
            g.custodyFollowed,
            g.custody,
          ].join(','),
        );
      }
    }
  }
  return lines.join('\n') + '\n';
}
