import { Injectable } from '@nestjs/common';
import { AuditService } from '@tiltas/audit';
import { DomainError, seesSmallCounts } from '@tiltas/common';
import { REGISTER_CODES } from '@tiltas/contract';
import { DatabaseService } from '@tiltas/database';
import type { EntityManager } from 'typeorm';
import { UNSPECIFIED, csvLine, lapsedRegister, suppressBreakdown } from './findings';
import { FindingsRepository } from './findings.repository';
import { StatsActor, statsScope } from './stats-request';
import { StatValue, suppressTable } from './suppression';

const MUNICIPALITY = /^LT-(0[1-9]|[1-5][0-9]|60)$/;
const CRITERION = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

export interface VersionFindings {
  readonly version: number;
  /** NOT_ELIGIBLE closings by the register named: a register code, NONE (the criterion missed something) or unspecified. */
  readonly notEligible: { readonly rows: Array<{ register: string; count: StatValue }>; readonly total: StatValue };
  /** Open or closed cases whose reason lapsed in a later run, by register and by what changed. */
  readonly lapsed: { readonly rows: Array<{ register: string; reason: string; count: StatValue }>; readonly total: StatValue };
}

export interface CriterionFindings {
  readonly criterionId: string;
  /** null: the whole country. */
  readonly municipality: string | null;
  readonly seesSmallCounts: boolean;
  readonly versions: VersionFindings[];
}

export interface DataQualityReport {
  readonly municipality: string | null;
  /** The criterion versions that listed someone in scope, in column order. */
  readonly versions: Array<{ criterionId: string; version: number }>;
  /** Per register: NOT_ELIGIBLE findings naming it, per criterion version and in all. */
  readonly registers: Array<{ register: string; cells: StatValue[]; total: StatValue }>;
  readonly totals: StatValue[];
  readonly total: StatValue;
}

export const FINDINGS_CSV_HEADER = 'municipality,criterion_id,criterion_version,finding,register,reason,value';
export const DATA_QUALITY_CSV_HEADER = 'municipality,register,criterion_id,criterion_version,not_eligible_findings';
const ALL = 'all';

/** Registers in the contract's order, then NONE, then closings that named none. */
function registerOrder(register: string): number {
  const i = (REGISTER_CODES as readonly string[]).indexOf(register);
  return i >= 0 ? i : register === 'NONE' ? REGISTER_CODES.length : REGISTER_CODES.length + 1;
}

/**
 * Workers' findings fed back: for a criterion, what NOT_ELIGIBLE closings said and why cases lapsed, per
 * version and register (coordinators their municipality's, the national administrator the country's or
 * one municipality's); and for register holders, how often a worker found a register's data wrong.
 * Counts only, suppressed as the statistics are; every CSV download is logged.
 */
@Injectable()
export class FindingsService {
  constructor(
    private readonly db: DatabaseService,
    private readonly repo: FindingsRepository,
    private readonly audit: AuditService,
  ) {}

  criterionFindings(actor: StatsActor, criterionId: string, municipality?: string): Promise<CriterionFindings> {
    const where = this.scopeOf(actor, municipality, ['COORDINATOR', 'ADMIN']);
    return this.db.transaction(statsScope(actor), (m) => this.build(m, actor, criterionId, where));
  }

  async criterionFindingsCsv(actor: StatsActor, criterionId: string, municipality?: string): Promise<{ filename: string; csv: string }> {
    const where = this.scopeOf(actor, municipality, ['COORDINATOR', 'ADMIN']);
    return this.db.transaction(statsScope(actor), async (m) => {
      const report = await this.build(m, actor, criterionId, where);
      const scope = where ?? 'national';
      const lines = [FINDINGS_CSV_HEADER];
      for (const v of report.versions) {
        for (const r of v.notEligible.rows) lines.push(csvLine(scope, criterionId, v.version, 'not_eligible', r.register, '', r.count));
        lines.push(csvLine(scope, criterionId, v.version, 'not_eligible', ALL, '', v.notEligible.total));
        for (const r of v.lapsed.rows) lines.push(csvLine(scope, criterionId, v.version, 'lapsed', r.register, r.reason, r.count));
        lines.push(csvLine(scope, criterionId, v.version, 'lapsed', ALL, '', v.lapsed.total));
      }
      await this.logExport(m, actor, where, 'criterion_findings', criterionId, lines.length - 1);
      return { filename: `tiltas-findings-${criterionId}-${scope}.csv`, csv: `${lines.join('\n')}\n` };
    });
  }

  /**
   * For register holders: NOT_ELIGIBLE findings that name their register, per criterion version. This
   * export is made to leave Tiltas, so small counts are suppressed whoever downloads it.
   */
  dataQuality(actor: StatsActor, municipality?: string): Promise<DataQualityReport> {
    const where = this.scopeOf(actor, municipality, ['COORDINATOR', 'AUDITOR', 'ADMIN']);
    return this.db.transaction(statsScope(actor), (m) => this.buildDataQuality(m, where));
  }

  async dataQualityCsv(actor: StatsActor, municipality?: string): Promise<{ filename: string; csv: string }> {
    const where = this.scopeOf(actor, municipality, ['COORDINATOR', 'AUDITOR', 'ADMIN']);
    return this.db.transaction(statsScope(actor), async (m) => {
      const report = await this.buildDataQuality(m, where);
      const scope = where ?? 'national';
      const lines = [DATA_QUALITY_CSV_HEADER];
      for (const r of report.registers) {
        report.versions.forEach((v, i) => lines.push(csvLine(scope, r.register, v.criterionId, v.version, r.cells[i])));
        lines.push(csvLine(scope, r.register, ALL, ALL, r.total));
      }
      report.versions.forEach((v, i) => lines.push(csvLine(scope, ALL, v.criterionId, v.version, report.totals[i])));
      lines.push(csvLine(scope, ALL, ALL, ALL, report.total));
      await this.logExport(m, actor, where, 'data_quality', null, lines.length - 1);
      return { filename: `tiltas-data-quality-${scope}.csv`, csv: `${lines.join('\n')}\n` };
    });
  }

  private async build(m: EntityManager, actor: StatsActor, criterionId: string, municipality: string | null): Promise<CriterionFindings> {
    if (!CRITERION.test(criterionId) || !(await this.repo.criterionExists(m, criterionId))) throw DomainError.notFound(`criterion ${criterionId}`);
    const seesSmall = seesSmallCounts(actor);
    const notEligible = await this.repo.notEligible(m, criterionId, municipality);
    const lapsed = await this.repo.lapsed(m, criterionId, municipality);
    const versions = [...new Set([...notEligible, ...lapsed].map((r) => r.version))].sort((a, b) => b - a);
    return {
      criterionId,
      municipality,
      seesSmallCounts: seesSmall,
      versions: versions.map((version) => {
        const ne = suppressBreakdown(
          notEligible
            .filter((r) => r.version === version)
            .map((r) => ({ key: r.register ?? UNSPECIFIED, n: r.n }))
            .sort((a, b) => registerOrder(a.key) - registerOrder(b.key)),
          seesSmall,
        );
        const byReason = lapsed
          .filter((r) => r.version === version)
          .map((r) => ({ key: { register: lapsedRegister(r.reason), reason: r.reason }, n: r.n }))
          .sort((a, b) => registerOrder(a.key.register) - registerOrder(b.key.register) || a.key.reason.localeCompare(b.key.reason));
        const la = suppressBreakdown(byReason, seesSmall);
        return {
          version,
          notEligible: { rows: ne.rows.map((r) => ({ register: r.key, count: r.count })), total: ne.total },
          lapsed: { rows: la.rows.map((r) => ({ ...r.key, count: r.count })), total: la.total },
        };
      }),
    };
  }

  private async buildDataQuality(m: EntityManager, municipality: string | null): Promise<DataQualityReport> {
    const versions = await this.repo.listedVersions(m, municipality);
    const found = await this.repo.notEligible(m, null, municipality);
    const count = (register: string, v: { criterionId: string; version: number }) =>
      found.find((r) => r.register === register && r.criterionId === v.criterionId && r.version === v.version)?.n ?? 0;
    // Contact details are not a register holder's finding to act on here; every other register is.
    const registers = REGISTER_CODES.filter((r) => r !== 'contacts');
    const cells = registers.map((r) => versions.map((v) => count(r, v)));
    const rowTotals = cells.map((row) => row.reduce((a, b) => a + b, 0));
    const colTotals = versions.map((_, i) => cells.reduce((a, row) => a + row[i], 0));
    const shown = suppressTable({ cells, rowTotals, colTotals, total: rowTotals.reduce((a, b) => a + b, 0) }, false);
    return {
      municipality,
      versions: versions.map((v) => ({ criterionId: v.criterionId, version: v.version })),
      registers: registers.map((register, i) => ({ register, cells: shown.cells[i], total: shown.rowTotals[i] })),
      totals: shown.colTotals,
      total: shown.total,
    };
  }

  /** Who may read which findings: as for the statistics, a municipal viewer their own municipality, a national one any or all. */
  private scopeOf(actor: StatsActor, municipality: string | undefined, roles: readonly string[]): string | null {
    if (!roles.includes(actor.role)) throw DomainError.forbidden(`findings are for ${roles.join(', ').toLowerCase()}`);
    const asked = municipality === undefined || municipality === '' || municipality === 'national' ? null : municipality;
    if (asked !== null && !MUNICIPALITY.test(asked)) throw DomainError.validation('`municipality` must be a code LT-01…LT-60 or `national`');
    if (actor.scope === 'national') return asked;
    if (actor.municipality === null) throw DomainError.forbidden('a municipal viewer without a municipality sees no findings');
    if (asked !== null && asked !== actor.municipality) throw DomainError.forbidden(`you read the findings of ${actor.municipality} only`);
    return actor.municipality;
  }

  private async logExport(m: EntityManager, actor: StatsActor, municipality: string | null, report: string, criterionId: string | null, lines: number): Promise<void> {
    await this.audit.record(m, {
      actor: actor.userId,
      role: actor.role,
      municipality,
      action: 'export.downloaded',
      objectType: report === 'data_quality' ? 'data_quality' : 'criterion',
      objectId: criterionId ?? undefined,
      purpose: 'statistics',
      details: { format: 'csv', report, lines, scope: municipality ?? 'national', ...(criterionId ? { criterionId } : {}) },
    });
  }
}

