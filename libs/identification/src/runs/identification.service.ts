import { Inject, Injectable, Logger } from '@nestjs/common';
import { AuditService, type AuditEntryInput } from '@tiltas/audit';
import { DomainError, ErrorCode, isIsoDate } from '@tiltas/common';
import { APP_CONFIG, AppConfig } from '@tiltas/config';
import { DatabaseService, advisoryXactLock, useAnalyticalSettings, type DbScope } from '@tiltas/database';
import { LawfulBasisService } from '@tiltas/lawful-bases';
import type { RegisterCode } from '@tiltas/registers';
import { bindParams, parseCriterion, registersRead } from '@tiltas/targeting';
import type { EntityManager } from 'typeorm';
import { CriteriaRepository } from '../criteria/criteria.repository';
import { CriteriaService } from '../criteria/criteria.service';
import { IdentificationActor, scopeOf } from '../identification-actor';
import { compileFirstFailure } from './first-failure';
import { planRun, type RunCriterion, type RunPlan } from './run-plan';
import { CohortCounts, RunRecord, RunSuppression, RunTrigger, RunsRepository, WrittenCases } from './runs.repository';

export interface RunRequest {
  /** The reference date D, YYYY-MM-DD. */
  readonly asOf: string;
  /** Only these criteria (each must be ACTIVE); all ACTIVE criteria when absent. */
  readonly criteria?: readonly string[];
  readonly trigger: RunTrigger;
  readonly actor: IdentificationActor;
}

export interface RunOutcome {
  readonly run: RunRecord;
  /** The same D, versions and extracts had run already: nothing was done and nothing changed. */
  readonly repeated: boolean;
  /** What this call did per cohort: the run's counts, or for a repeat the same matches with nothing new or added. */
  readonly counts: readonly CohortCounts[];
}

export interface DeltaRunRequest {
  /** The delta extract whose persons to identify. */
  readonly extractId: number;
  /** D: today in Europe/Vilnius when the delta was accepted (the job carries it), or as the operator asks. */
  readonly asOf: string;
  readonly trigger: RunTrigger;
  readonly actor: IdentificationActor;
}

/** A delta's run, or why there was nothing to run (the delta superseded already, no criterion reading its register). */
export type DeltaRunOutcome =
  | (RunOutcome & { readonly kind: 'ran'; readonly persons: number })
  | { readonly kind: 'skipped'; readonly reason: string };

/** Every identification run takes this lock: runs write the same cases, so they happen one at a time. */
export const IDENTIFICATION_LOCK = 'identification:run';
/** At most this many id ranges in one `case.created` entry (the log keeps arrays short). */
const RANGES_PER_ENTRY = 500;

/**
 * Identification runs: the ACTIVE criteria at a date D over the ACTIVE extracts, one set-based query per
 * criterion, cases written with dedupe and suppression in one transaction with the run's record and its
 * log entries. The CLI, the API and the scheduled job all call `run`.
 */
@Injectable()
export class IdentificationService {
  private readonly logger = new Logger('Identification');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly db: DatabaseService,
    private readonly criteria: CriteriaService,
    private readonly criteriaRepository: CriteriaRepository,
    private readonly runs: RunsRepository,
    private readonly lawfulBases: LawfulBasisService,
    private readonly audit: AuditService,
  ) {}

  async run(request: RunRequest): Promise<RunOutcome> {
    if (!isIsoDate(request.asOf)) throw DomainError.validation(`as-of must be a date (YYYY-MM-DD): ${request.asOf}`);
    assertMayRun(request.actor);
    await this.criteria.seedStandard();
    const started = Date.now();
    const outcome = await this.db.transaction(runScope(request.actor), async (m) => {
      // Blocking, not try: a second run started at the same moment waits, then finds this one COMPLETED.
      await advisoryXactLock(m, IDENTIFICATION_LOCK);
      await useAnalyticalSettings(m);
      const criteria = await this.criteriaFor(m, request.criteria, request.actor);
      const extracts = await this.runs.activeExtracts(m);
      const planned = planRun(request.asOf, criteria, extracts);
      const problems = planned.ok ? [] : [...planned.problems];
      problems.push(...(await this.lawfulBasisProblems(m, criteria, request.asOf)));
      if (problems.length > 0 || !planned.ok) {
        const refusal = `identification at ${request.asOf} refused: ${problems.join('; ')}`;
        const id = await this.runs.refuse(m, { asOf: request.asOf, criteria: criteria.map(brief), extracts }, refusal, request.actor.userId, request.trigger);
        await this.audit.record(m, this.entry(request, 'identification.refused', String(id), { asOf: request.asOf, problems: problems.slice(0, 50) }));
        this.logger.warn({ runId: id, asOf: request.asOf, problems: problems.length }, 'identification run refused');
        return { kind: 'refused' as const, refused: refusal, onlyLawfulBasis: planned.ok };
      }
      const plan = planned.plan;
      const done = await this.runs.completed(m, plan.asOf, plan.runKey);
      if (done) return { kind: 'ran' as const, run: done, repeated: true };
      const run = await this.execute(m, plan, request, started);
      return { kind: 'ran' as const, run, repeated: false };
    });
    if (outcome.kind === 'refused') {
      throw new DomainError(outcome.onlyLawfulBasis ? ErrorCode.LAWFUL_BASIS_MISSING : ErrorCode.CONFLICT, outcome.refused);
    }
    if (outcome.repeated) this.logger.log({ runId: outcome.run.id, asOf: request.asOf }, 'identification already ran for this date, versions and extracts; nothing to do');
    const counts = outcome.repeated
      ? outcome.run.counts.map((c) => ({ ...c, new: 0, added: 0, unchanged: c.unchanged + c.new + c.added }))
      : outcome.run.counts;
    return { run: outcome.run, repeated: outcome.repeated, counts };
  }

  /**
   * The same-day run of a delta delivery (spec "Delta deliveries"): every ACTIVE criterion that reads the
   * delta's register, at D, for the delta's persons only, through the very queries and case rules of a
   * full run (the queries restricted to those persons; dedupe and merge into open cases, re-listing,
   * opt-outs, municipality of the case). Recorded as a run of kind `delta` naming the delta; a delta runs
   * once (a second call finds its run and changes nothing).
   */
  async runDelta(request: DeltaRunRequest): Promise<DeltaRunOutcome> {
    if (!isIsoDate(request.asOf)) throw DomainError.validation(`as-of must be a date (YYYY-MM-DD): ${request.asOf}`);
    if (!Number.isSafeInteger(request.extractId) || request.extractId < 1) throw DomainError.validation(`not an extract id: ${request.extractId}`);
    if (request.actor.scope !== 'national') throw DomainError.forbidden("a delta's identification is national: it is started by the delta's acceptance or by an administrator");
    await this.criteria.seedStandard();
    const started = Date.now();
    const outcome = await this.db.transaction(runScope(request.actor), async (m) => {
      await advisoryXactLock(m, IDENTIFICATION_LOCK);
      await useAnalyticalSettings(m);
      const delta = await this.runs.delta(m, request.extractId);
      if (!delta) throw DomainError.notFound(`extract ${request.extractId}`);
      if (delta.delivery !== 'delta') throw DomainError.validation(`extract ${request.extractId} is a full delivery, not a delta: run identification at a date instead`);
      const done = await this.runs.deltaRun(m, delta.id);
      if (done) return { kind: 'ran' as const, run: done, repeated: true, persons: 0 };
      if (delta.status !== 'APPLIED' || delta.appliedTo === null) {
        return { kind: 'skipped' as const, reason: `delta ${delta.id} is ${delta.status}, no longer part of the ${delta.register} data: a full run reads what replaced it` };
      }
      const register = delta.register as RegisterCode;
      const all = await this.criteriaFor(m, undefined, request.actor);
      const readers = all.filter((c) => registersRead(c.definition).includes(register));
      if (readers.length === 0) return { kind: 'skipped' as const, reason: `no ACTIVE criterion reads ${register}` };
      const people = await this.runs.deltaPeople(m, register, delta.appliedTo, delta.id);
      const extracts = await this.runs.activeExtracts(m);
      const planned = planRun(request.asOf, readers, extracts, { copiesAmong: all, delta: { extractId: delta.id, register, people } });
      const problems = planned.ok ? [] : [...planned.problems];
      problems.push(...(await this.lawfulBasisProblems(m, readers, request.asOf)));
      if (problems.length > 0 || !planned.ok) {
        const refusal = `identification of delta ${delta.id} at ${request.asOf} refused: ${problems.join('; ')}`;
        const id = await this.runs.refuse(m, { asOf: request.asOf, criteria: readers.map(brief), extracts }, refusal, request.actor.userId, request.trigger, delta.id);
        await this.audit.record(m, this.entry(request, 'identification.refused', String(id), { asOf: request.asOf, kind: 'delta', deltaExtractId: delta.id, problems: problems.slice(0, 50) }));
        this.logger.warn({ runId: id, asOf: request.asOf, deltaExtractId: delta.id, problems: problems.length }, 'identification of a delta refused');
        return { kind: 'refused' as const, refused: refusal, onlyLawfulBasis: planned.ok };
      }
      const run = await this.execute(m, planned.plan, request, started);
      return { kind: 'ran' as const, run, repeated: false, persons: people.length };
    });
    if (outcome.kind === 'refused') {
      throw new DomainError(outcome.onlyLawfulBasis ? ErrorCode.LAWFUL_BASIS_MISSING : ErrorCode.CONFLICT, outcome.refused);
    }
    if (outcome.kind === 'skipped') {
      this.logger.log({ deltaExtractId: request.extractId, reason: outcome.reason }, 'identification of a delta: nothing to run');
      return outcome;
    }
    if (outcome.repeated) this.logger.log({ runId: outcome.run.id, deltaExtractId: request.extractId }, 'the delta was identified already; nothing to do');
    const counts = outcome.repeated
      ? outcome.run.counts.map((c) => ({ ...c, new: 0, added: 0, unchanged: c.unchanged + c.new + c.added }))
      : outcome.run.counts;
    return { kind: 'ran', run: outcome.run, repeated: outcome.repeated, counts, persons: outcome.persons };
  }

  /** Deltas accepted in the last `days` days that no run has identified yet: the schedule queues their jobs again. */
  async unidentifiedDeltas(now: Date, days = 7): Promise<number[]> {
    return this.db.transaction({ scope: 'national', municipality: null, actor: 'system:runs.deltas', role: 'SYSTEM' }, (m) =>
      this.runs.unidentifiedDeltas(m, new Date(now.getTime() - days * 86_400_000)),
    );
  }

  async list(limit = 50): Promise<RunRecord[]> {
    return this.db.transaction({ scope: 'national', municipality: null, actor: 'system:runs.list', role: 'SYSTEM' }, (m) => this.runs.recent(m, Math.min(Math.max(limit, 1), 500)));
  }

  async show(id: number): Promise<RunRecord> {
    const run = await this.db.transaction({ scope: 'national', municipality: null, actor: 'system:runs.show', role: 'SYSTEM' }, (m) => this.runs.find(m, id));
    if (!run) throw DomainError.notFound(`run ${id}`);
    return run;
  }

  private async execute(m: EntityManager, plan: RunPlan, request: Pick<RunRequest, 'trigger' | 'actor'>, started: number): Promise<RunRecord> {
    const runId = await this.runs.start(m, plan, request.actor.userId, request.trigger);
    const delta = plan.delta ? { deltaExtractId: plan.delta.extractId, persons: plan.binding.people?.length ?? 0 } : {};
    this.logger.log({ runId, asOf: plan.asOf, criteria: plan.criteria.map((c) => `${c.id}@${c.version}`), trigger: request.trigger, ...delta }, 'identification run started');
    await this.runs.prepareFound(m);
    for (const criterion of plan.criteria) await this.runs.findInto(m, plan, criterion);
    await this.runs.classify(m, plan.asOf, this.config.identification.relistAfterDays);
    const counts = await this.runs.counts(m, plan);
    const suppression = await this.runs.suppression(m);
    const written = await this.runs.writeCases(m, runId, plan.asOf);
    await this.runs.clearLapsed(m);
    const lapsed = await this.runs.markLapsed(m, runId, plan);
    await this.runs.describeLapsed(m, await this.whatChanged(m, plan, lapsed), plan.extracts);
    const durationMs = Date.now() - started;
    await this.runs.finish(m, runId, counts, suppression, written, lapsed.length, durationMs);
    await this.audit.recordMany(m, this.entries(request, plan, runId, counts, suppression, written, lapsed.length, durationMs));
    this.logger.log(
      { runId, asOf: plan.asOf, ...delta, durationMs, created: written.created, updated: written.updated, lapsed: lapsed.length, suppressed: suppression.byOutcome, counts: counts.map(({ cohort, matched, new: n, added, suppressed }) => ({ cohort, matched, new: n, added, suppressed })) },
      'identification run completed',
    );
    return (await this.runs.find(m, runId))!;
  }

  /** Per lapsed case and cohort, the first condition the person no longer meets (or that they left the population). */
  private async whatChanged(m: EntityManager, plan: RunPlan, lapsed: ReadonlyArray<{ id: number; pseudonym: Buffer; cohorts: string[] }>) {
    const changed = new Map<number, Record<string, string>>(lapsed.map((c) => [c.id, {}]));
    for (const criterion of plan.criteria) {
      const affected = lapsed.filter((c) => c.cohorts.includes(criterion.id));
      if (affected.length === 0) continue;
      const query = compileFirstFailure(criterion.definition);
      const params = bindParams(query, plan.binding);
      params[params.length - 1] = affected.map((c) => c.pseudonym);
      const rows: Array<{ pseudonym: Buffer; failed: number }> = await m.query(query.sql, params);
      const failed = new Map(rows.map((r) => [r.pseudonym.toString('hex'), r.failed]));
      for (const c of affected) {
        const step = failed.get(c.pseudonym.toString('hex'));
        changed.get(c.id)![criterion.id] =
          step === undefined
            ? 'no longer in the population extract'
            : step >= query.labels.length
              ? // Meets every condition yet not found here: the cohort now lists them in another municipality.
                'now found for another municipality'
              : `no longer: ${query.labels[step]}`;
      }
    }
    return [...changed].map(([id, c]) => ({ id, changed: c }));
  }

  /**
   * Refuses, before a run is enqueued, what the run itself would refuse the actor: a page or the API
   * answers at once instead of a job failing later. The run checks the same again when it starts.
   */
  async checkStart(actor: IdentificationActor, criteria?: readonly string[]): Promise<void> {
    assertMayRun(actor);
    await this.criteria.seedStandard();
    await this.db.transaction(runScope(actor), (m) => this.criteriaFor(m, criteria, actor));
  }

  /**
   * The ACTIVE criteria a run takes. A coordinator's run takes only their municipality's own copies
   * (all of them when none are named): a national criterion or another municipality's copy would write
   * cases the coordinator has no say over.
   */
  private async criteriaFor(m: EntityManager, ids: readonly string[] | undefined, actor: IdentificationActor): Promise<RunCriterion[]> {
    const unique = ids ? [...new Set(ids)] : undefined;
    const found = await this.criteriaRepository.active(m, unique);
    if (unique) {
      const missing = unique.filter((id) => !found.some((r) => r.criterionId === id));
      if (missing.length > 0) {
        throw DomainError.validation(`not ACTIVE (activate with a lawful basis first) or unknown: ${missing.join(', ')}`);
      }
    }
    let rows = found;
    if (actor.scope === 'municipal') {
      const foreign = unique ? found.filter((r) => r.municipality !== actor.municipality) : [];
      if (foreign.length > 0) {
        throw DomainError.forbidden(
          `a coordinator of ${actor.municipality} runs only ${actor.municipality}'s own criteria copies, not ${foreign.map((r) => r.criterionId).join(', ')}`,
        );
      }
      rows = found.filter((r) => r.municipality === actor.municipality);
      if (rows.length === 0) throw DomainError.validation(`${actor.municipality} has no ACTIVE criteria copy to run: copy a national criterion and activate it first`);
    }
    return rows.map((r) => ({
      id: r.criterionId,
      version: r.version,
      municipality: r.municipality,
      basedOn: r.basedOn,
      lawfulBasisId: r.lawfulBasisId!,
      definition: parseCriterion(r.definition),
    }));
  }

  /** The basis that activated a criterion must still cover it at the run's reference date. */
  private async lawfulBasisProblems(m: EntityManager, criteria: readonly RunCriterion[], date: string): Promise<string[]> {
    const problems: string[] = [];
    for (const c of criteria) {
      const coverage = await this.lawfulBases.checkCoverage({
        lawfulBasisId: c.lawfulBasisId,
        purpose: c.definition.purpose,
        registers: registersRead(c.definition),
        date,
      }, m);
      if (!coverage.ok) problems.push(`${c.id} v${c.version} under ${c.lawfulBasisId} at ${date}: ${coverage.problems.join(', ')}`);
    }
    return problems;
  }

  private entry(request: Pick<RunRequest, 'trigger' | 'actor'>, action: string, runId: string, details: Record<string, unknown>): AuditEntryInput {
    return {
      actor: request.actor.userId,
      role: request.actor.role,
      municipality: request.actor.scope === 'municipal' ? request.actor.municipality : null,
      action,
      objectType: 'identification_run',
      objectId: runId,
      purpose: 'outreach',
      details: { ...details, trigger: request.trigger },
    };
  }

  /** One entry for the run with its counts, and the created cases in bulk: their count and id ranges. */
  private entries(request: Pick<RunRequest, 'trigger' | 'actor'>, plan: RunPlan, runId: number, counts: readonly CohortCounts[], suppression: RunSuppression, written: WrittenCases, lapsed: number, durationMs: number): AuditEntryInput[] {
    const bases = [...new Set(plan.criteria.map((c) => c.lawfulBasisId))];
    const run = {
      ...this.entry(request, 'identification.run', String(runId), {
        asOf: plan.asOf,
        // A delta's run says so, naming the delta and how many persons it identified.
        ...(plan.delta ? { kind: 'delta', deltaExtractId: plan.delta.extractId, persons: plan.binding.people?.length ?? 0 } : {}),
        criteria: plan.criteria.map((c) => ({ id: c.id, version: c.version, lawfulBasisId: c.lawfulBasisId })),
        extracts: plan.extracts.map((e) => ({ register: e.register, id: e.id, asOf: e.asOf, ...(e.deltaIds && e.deltaIds.length > 0 ? { deltaIds: [...e.deltaIds] } : {}) })),
        pseudonymKeyId: plan.pseudonymKeyId,
        counts: counts.map((c) => ({ ...c })),
        casesCreated: written.created,
        casesUpdated: written.updated,
        casesLapsed: lapsed,
        suppressed: suppression.byOutcome,
        cohortsHeld: suppression.cohortsHeld,
        durationMs,
      }),
      lawfulBasisId: bases.length === 1 ? bases[0] : null,
    };
    const created: AuditEntryInput[] = [];
    for (let i = 0; i < written.createdRanges.length; i += RANGES_PER_ENTRY) {
      const ranges = written.createdRanges.slice(i, i + RANGES_PER_ENTRY);
      created.push({
        ...this.entry(request, 'case.created', String(runId), {
          runId,
          asOf: plan.asOf,
          count: ranges.reduce((n, [lo, hi]) => n + hi - lo + 1, 0),
          caseIdRanges: ranges,
          part: i / RANGES_PER_ENTRY + 1,
          parts: Math.ceil(written.createdRanges.length / RANGES_PER_ENTRY),
        }),
        lawfulBasisId: run.lawfulBasisId,
      });
    }
    return [run, ...created];
  }
}

/** A national actor (administrator, system) runs anything; a coordinator only their municipality's copies. */
function assertMayRun(actor: IdentificationActor): void {
  if (actor.scope === 'national') return;
  if (actor.role !== 'COORDINATOR' || !actor.municipality) throw DomainError.forbidden('identification runs are started by an administrator, or by a coordinator for their own criteria copies');
}

/**
 * A run reads every municipality's closed cases and opt-outs (rule 1 holds across municipalities), so its
 * transaction is national whoever starts it; it is recorded as the one who did.
 */
function runScope(actor: IdentificationActor): DbScope {
  return actor.scope === 'national' ? scopeOf(actor) : { scope: 'national', municipality: null, actor: actor.userId, role: actor.role };
}

function brief(c: RunCriterion): { id: string; version: number; lawfulBasisId: string } {
  return { id: c.id, version: c.version, lawfulBasisId: c.lawfulBasisId };
}
