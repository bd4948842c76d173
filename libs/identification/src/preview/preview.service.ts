import { Injectable } from '@nestjs/common';
import { DomainError, ErrorCode, isIsoDate, seesSmallCounts, showCount, type ShownCount } from '@tiltas/common';
import { DatabaseService, useAnalyticalSettings } from '@tiltas/database';
import { bindParams, compileCriterion, compileFunnel, parseCriterion, readFunnel, type CriterionDefinition } from '@tiltas/targeting';
import { CriteriaRepository } from '../criteria/criteria.repository';
import { CriteriaService, type CriterionDetail } from '../criteria/criteria.service';
import { IdentificationActor, scopeOf } from '../identification-actor';
import { RunsRepository } from '../runs/runs.repository';
import { copiesTakingOver, planRun, type TakingOverCopy } from '../runs/run-plan';

export interface PreviewRequest {
  readonly criterionId: string;
  /** The version to preview; the DRAFT when absent (else the ACTIVE one). */
  readonly version?: number;
  /** An unsaved definition to preview instead of a stored version. */
  readonly definition?: unknown;
  readonly asOf: string;
}

/** Raw counts; `shown` is what the viewer may see (small cells as "<5" outside the national admin view). */
export interface Preview {
  readonly criterionId: string;
  readonly version: number | null;
  readonly asOf: string;
  readonly extracts: ReadonlyArray<{ register: string; id: number; asOf: string }>;
  readonly total: number;
  readonly byMunicipality: ReadonlyArray<{ municipality: string; found: number; adds: number; drops: number }>;
  readonly funnel: ReadonlyArray<{ label: string; remaining: number }>;
  /**
   * Against what is live for the residents it would find: the criterion's ACTIVE version, or for a
   * municipality's copy with none yet, the national criterion's ACTIVE version restricted to that
   * municipality (`criterionId` names which). Null when nothing is live, or the live version is the one previewed.
   */
  readonly diff: { readonly criterionId: string; readonly activeVersion: number; readonly adds: number; readonly drops: number } | null;
  /**
   * For a national criterion, the municipalities an ACTIVE municipal copy of it takes over (`criterionId`
   * and `version` name the copy): a run leaves their cases to the copy, so every count above, the funnel's
   * last step and the diff leave them out too. Empty for a municipality's copy.
   */
  readonly leftOut: readonly TakingOverCopy[];
  /** Whether the viewer sees counts under 5 as they are. */
  readonly showsSmallCounts: boolean;
  readonly durationMs: number;
}

export interface ShownPreview {
  readonly total: ShownCount;
  readonly byMunicipality: ReadonlyArray<{ municipality: string; found: ShownCount; adds: ShownCount; drops: ShownCount }>;
  readonly funnel: ReadonlyArray<{ label: string; remaining: ShownCount }>;
  readonly diff: { readonly criterionId: string; readonly activeVersion: number; readonly adds: ShownCount; readonly drops: ShownCount } | null;
}

/** A preview's counts as its viewer may see them. */
export function shownPreview(preview: Preview): ShownPreview {
  const show = (n: number) => showCount(n, preview.showsSmallCounts);
  return {
    total: show(preview.total),
    byMunicipality: preview.byMunicipality.map((r) => ({ municipality: r.municipality, found: show(r.found), adds: show(r.adds), drops: show(r.drops) })),
    funnel: preview.funnel.map((s) => ({ label: s.label, remaining: show(s.remaining) })),
    // The diff is what will change on the team's own lists: real numbers (docs/suppression.md).
    diff: preview.diff && { criterionId: preview.diff.criterionId, activeVersion: preview.diff.activeVersion, adds: preview.diff.adds, drops: preview.diff.drops },
  };
}

/**
 * What a criterion version would find at D, before it is live: the total and per municipality, the funnel,
 * and how it differs from the ACTIVE version. For a national criterion all of it leaves out, as a run of
 * every ACTIVE criterion does, the municipalities that an ACTIVE copy of theirs takes over. Reads only; writes nothing and opens no case. The funnel and
 * the found-and-diff query run side by side on two connections.
 */
@Injectable()
export class PreviewService {
  constructor(
    private readonly db: DatabaseService,
    private readonly criteria: CriteriaService,
    private readonly criteriaRepository: CriteriaRepository,
    private readonly runs: RunsRepository,
  ) {}

  async preview(request: PreviewRequest, viewer: IdentificationActor): Promise<Preview> {
    if (!isIsoDate(request.asOf)) throw DomainError.validation(`as-of must be a date (YYYY-MM-DD): ${request.asOf}`);
    const started = Date.now();
    const detail = await this.criteria.show(request.criterionId, viewer);
    let definition: CriterionDefinition;
    let version: number | null;
    if (request.definition !== undefined) {
      definition = parseCriterion(request.definition);
      if (definition.id !== request.criterionId) throw DomainError.validation(`the definition's id (${definition.id}) must be ${request.criterionId}`);
      version = null;
    } else {
      const chosen = request.version === undefined ? (detail.draft ?? detail.active) : detail.versions.find((v) => v.version === request.version);
      if (!chosen) throw DomainError.notFound(`criterion ${request.criterionId} version ${request.version}`);
      definition = chosen.definition;
      version = chosen.version;
    }
    const active = await this.live(detail, version, viewer);

    const scope = scopeOf(viewer);
    const [extracts, activeCriteria] = await this.db.transaction(scope, async (m) => [await this.runs.activeExtracts(m), await this.criteriaRepository.active(m)] as const);
    const runCriteria = [{ id: definition.id, version: version ?? 0, municipality: detail.municipality, basedOn: detail.basedOn, lawfulBasisId: '', definition }];
    // What a run of everything ACTIVE would leave to copies; the draft and the live version alike lose them.
    const leftOut = copiesTakingOver(runCriteria[0], activeCriteria.map((c) => ({ id: c.criterionId, version: c.version, municipality: c.municipality, basedOn: c.basedOn })));
    const leftOutMunicipalities = leftOut.map((c) => c.municipality);
    if (active) runCriteria.push({ ...runCriteria[0], id: active.criterionId, version: active.version, definition: active.definition });
    const planned = planRun(request.asOf, runCriteria, extracts);
    if (!planned.ok) throw new DomainError(ErrorCode.CONFLICT, `cannot preview ${request.criterionId} at ${request.asOf}: ${planned.problems.join('; ')}`);
    const binding = planned.plan.binding;

    const draftSql = compileCriterion(definition);
    const draftParams = bindParams(draftSql, binding);
    let foundSql: string;
    let foundParams: unknown[];
    if (active) {
      const activeSql = compileCriterion(active.definition);
      const offset = draftParams.length;
      foundParams = [...draftParams, ...bindParams(activeSql, binding)];
      const kept = keptFilter(foundParams, leftOutMunicipalities);
      foundSql = `
        SELECT coalesce(d.municipality, a.municipality) AS municipality,
               count(d.pseudonym) AS found,
               count(*) FILTER (WHERE a.pseudonym IS NULL) AS adds,
               count(*) FILTER (WHERE d.pseudonym IS NULL) AS drops
        FROM (SELECT * FROM (${draftSql.sql}) AS q ${kept}) AS d
        FULL JOIN (SELECT * FROM (${shiftParams(activeSql.sql, offset)}) AS q ${kept}) AS a ON a.pseudonym = d.pseudonym AND a.municipality = d.municipality
        GROUP BY 1 ORDER BY 1`;
    } else {
      foundParams = draftParams;
      foundSql = `SELECT q.municipality, count(*) AS found, count(*) AS adds, 0 AS drops FROM (${draftSql.sql}) AS q ${keptFilter(foundParams, leftOutMunicipalities)} GROUP BY 1 ORDER BY 1`;
    }
    const funnel = compileFunnel(definition, { leftOut: leftOutMunicipalities });
    const [found, funnelRows] = await Promise.all([
      this.db.transaction(scope, async (m) => {
        await useAnalyticalSettings(m);
        // After a chain of anti-joins the planner's estimate falls to a row or two, and it then probes each
        // register's index once per person, serially, for the tens of thousands a national preview keeps.
        // Hash anti-joins read each register once: at 2.9M people several times faster.
        await m.query(`SET LOCAL enable_nestloop = off`);
        return (await m.query(foundSql, foundParams)) as Array<{ municipality: string; found: string; adds: string; drops: string }>;
      }),
      this.db.transaction(scope, async (m) => {
        await useAnalyticalSettings(m);
        return (await m.query(funnel.sql, bindParams(funnel, binding))) as Array<Record<string, unknown>>;
      }),
    ]);
    const byMunicipality = found.map((r) => ({ municipality: r.municipality, found: Number(r.found), adds: Number(r.adds), drops: Number(r.drops) }));
    const sum = (key: 'found' | 'adds' | 'drops') => byMunicipality.reduce((n, r) => n + r[key], 0);
    return {
      criterionId: request.criterionId,
      version,
      asOf: request.asOf,
      extracts: planned.plan.extracts.map((e) => ({ register: e.register, id: e.id, asOf: e.asOf })),
      total: sum('found'),
      byMunicipality: byMunicipality.filter((r) => r.found > 0 || r.drops > 0),
      funnel: readFunnel(funnel, funnelRows),
      diff: active ? { criterionId: active.criterionId, activeVersion: active.version, adds: sum('adds'), drops: sum('drops') } : null,
      leftOut,
      showsSmallCounts: seesSmallCounts(viewer),
      durationMs: Date.now() - started,
    };
  }

  /**
   * What is live today for the people the previewed version would find: the criterion's own ACTIVE
   * version; for a municipality's copy that has none, the national original's ACTIVE version, which
   * finds that municipality's cases until the copy is activated, so it is compared restricted to them.
   */
  private async live(detail: CriterionDetail, previewed: number | null, viewer: IdentificationActor): Promise<LiveVersion | null> {
    if (detail.active) return detail.active.version === previewed ? null : { criterionId: detail.id, version: detail.active.version, definition: detail.active.definition };
    if (detail.municipality === null || detail.basedOn === null) return null;
    const national = (await this.criteria.show(detail.basedOn, viewer)).active;
    if (!national) return null;
    return { criterionId: detail.basedOn, version: national.version, definition: { ...national.definition, scope: [detail.municipality] } };
  }
}

interface LiveVersion {
  readonly criterionId: string;
  readonly version: number;
  readonly definition: CriterionDefinition;
}

/**
 * The run's filter on a criterion's rows `q` (RunsRepository.findInto): none of the municipalities left to
 * copies. Appends their list to `params`; call it once per query, and use the clause wherever `q` is.
 */
function keptFilter(params: unknown[], leftOut: readonly string[]): string {
  return leftOut.length === 0 ? '' : `WHERE q.municipality <> ALL($${params.push(leftOut)}::text[])`;
}

/** Renumbers `$n` placeholders so a second compiled query can follow the first's parameters. */
export function shiftParams(sql: string, offset: number): string {
  return sql.replace(/\$(\d+)\b/g, (_, n: string) => `$${Number(n) + offset}`);
}
