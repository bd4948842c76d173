import type { AuditActor, AuditService } from '@tiltas/audit';
import type { RegisterCode } from '@tiltas/contract';
import type { LawfulBasisService } from '@tiltas/lawful-bases';
import type { EntityManager } from 'typeorm';
import { REGISTERS } from '../register-declarations';

/** Days after listing at which a case's person is followed up (docs/statistics.md). */
export const FOLLOW_UP_HORIZONS = [90, 180, 365] as const;
export type FollowUpHorizon = (typeof FOLLOW_UP_HORIZONS)[number];

/** The registers a follow-up fact is kept for; `prison` only for the people listed as recently released. */
export const FOLLOW_UP_FACT_REGISTERS = ['employment', 'education', 'jobseekers', 'social_services', 'prison'] as const;
export type FollowUpFactRegister = (typeof FOLLOW_UP_FACT_REGISTERS)[number];

/** The cohort whose people are followed up in custody: back in prison or not. */
export const CUSTODY_FOLLOW_UP_COHORT = 'recent-release';

/** Following people through later extracts reads register data about them for this purpose only. */
export const EVALUATION_PURPOSE = 'evaluation';

export function isFollowUpFactRegister(register: string): register is FollowUpFactRegister {
  return (FOLLOW_UP_FACT_REGISTERS as readonly string[]).includes(register);
}

export interface FollowUpDelivery {
  readonly register: RegisterCode;
  /** The delivery whose acceptance reaches the horizons: a full extract, or a delta. */
  readonly extractId: number;
  /** The partition the register's rows are read from (the delta's target for a delta). */
  readonly readExtractId: number;
  readonly asOf: string;
}

export type FollowUpComputation =
  | { readonly computed: true; readonly lawfulBasisId: string; readonly facts: number; readonly byHorizon: Record<string, { facts: number; active: number }> }
  | { readonly computed: false; readonly reason: 'not_followed_up' | 'no_lawful_basis'; readonly problems: readonly string[] };

/**
 * The facts at fixed horizons reached by one accepted delivery: for every case listed (Vilnius day) at
 * least `horizon` days before the delivery's asOf and not yet followed up in this register at that horizon,
 * whether the register showed a period holding the horizon day. The first accepted delivery reaching a
 * horizon decides it; a later one adds nothing (the unique key and ON CONFLICT keep a retried or racing
 * acceptance from writing twice). Runs in the accepting transaction, so the fact exists before retention
 * may drop the extract, and with its audit entry, or not at all. Only under a lawful basis covering
 * `evaluation` for the register on the delivery's asOf: without one nothing is read and the caller is told.
 */
export async function computeFollowUpFacts(
  m: EntityManager,
  delivery: FollowUpDelivery,
  deps: { readonly lawfulBases: LawfulBasisService; readonly audit: AuditService; readonly actor: AuditActor },
): Promise<FollowUpComputation> {
  if (!isFollowUpFactRegister(delivery.register)) return { computed: false, reason: 'not_followed_up', problems: [] };
  const register = delivery.register;
  const coverage = await deps.lawfulBases.findCovering({ purpose: EVALUATION_PURPOSE, registers: [register], date: delivery.asOf }, m);
  if (!coverage.ok) return { computed: false, reason: 'no_lawful_basis', problems: coverage.problems };
  const period = REGISTERS[register].period;
  if (!period) throw new Error(`register ${register} has no period to follow up`);
  const until = period.end === 'inclusive' ? `r.${period.to} >= d.horizon_on` : `r.${period.to} > d.horizon_on`;
  const cohort = register === 'prison' ? `AND '${CUSTODY_FOLLOW_UP_COHORT}' = ANY (c.cohorts)` : '';
  const rows: Array<{ horizon: number; facts: number; active: number }> = await m.query(
    `WITH due AS (
       SELECT c.id AS case_id, c.pseudonym, h.horizon, (c.created_at AT TIME ZONE 'Europe/Vilnius')::date + h.horizon AS horizon_on
       FROM cases c CROSS JOIN unnest($1::int[]) AS h(horizon)
       WHERE (c.created_at AT TIME ZONE 'Europe/Vilnius')::date + h.horizon <= $2::date
         AND NOT (c.outcome_import_id IS NOT NULL AND c.created_run_id IS NULL)
         ${cohort}
         AND NOT EXISTS (SELECT 1 FROM follow_up_fact f WHERE f.case_id = c.id AND f.horizon = h.horizon AND f.register = $3)
     ),
     written AS (
       INSERT INTO follow_up_fact (case_id, horizon, register, status, extract_id, horizon_on, extract_as_of, lawful_basis_id)
       SELECT d.case_id, d.horizon, $3,
              CASE WHEN EXISTS (SELECT 1 FROM reg_${register} r
                                 WHERE r.extract_id = $4 AND r.pseudonym = d.pseudonym
                                   AND r.${period.from} <= d.horizon_on AND (r.${period.to} IS NULL OR ${until}))
                   THEN 'ACTIVE' ELSE 'NOT_ACTIVE' END,
              $5, d.horizon_on, $2::date, $6
       FROM due d
       ON CONFLICT (case_id, horizon, register) DO NOTHING
       RETURNING horizon, status
     )
     SELECT horizon, count(*)::int AS facts, count(*) FILTER (WHERE status = 'ACTIVE')::int AS active FROM written GROUP BY horizon ORDER BY horizon`,
    [[...FOLLOW_UP_HORIZONS], delivery.asOf, register, delivery.readExtractId, delivery.extractId, coverage.lawfulBasisId],
  );
  const byHorizon = Object.fromEntries(FOLLOW_UP_HORIZONS.map((h) => [String(h), { facts: 0, active: 0 }]));
  for (const r of rows) byHorizon[String(r.horizon)] = { facts: r.facts, active: r.active };
  const facts = rows.reduce((s, r) => s + r.facts, 0);
  await deps.audit.record(m, {
    actor: deps.actor.userId,
    role: deps.actor.role,
    municipality: null,
    action: 'follow_up.computed',
    objectType: 'extract',
    objectId: String(delivery.extractId),
    purpose: EVALUATION_PURPOSE,
    lawfulBasisId: coverage.lawfulBasisId,
    // How many people's register data the computation read: the log's count, never a published figure.
    details: {
      register,
      asOf: delivery.asOf,
      readExtractId: delivery.readExtractId,
      facts,
      // Audit detail keys are names: d90, d180, d365.
      byHorizon: Object.fromEntries(Object.entries(byHorizon).map(([h, v]) => [`d${h}`, v])),
    },
  });
  return { computed: true, lawfulBasisId: coverage.lawfulBasisId, facts, byHorizon };
}
