import { AuditEntryInput } from '@tiltas/audit';
import { DomainError } from '@tiltas/common';
import type { EntityManager } from 'typeorm';
import { CaseStep, stepProblem } from './case-rules';
import { CaseRow, CasesRepository } from './cases.repository';
import { OutreachActor, isSystem } from './outreach-actor';

/** Steps only the one who holds the case takes (a coordinator too, for a case they hold). */
const HOLDER_STEPS: readonly CaseStep[] = ['attempt', 'schedule', 'refer', 'reveal', 'close'];
/** Steps of the coordinator who balances the municipality's work. */
const COORDINATOR_STEPS: readonly CaseStep[] = ['assign', 'reassign', 'hand-over'];

/** The one "not found" for a case: absent, another municipality's, or not the asking worker's look alike. */
export const caseNotFound = (id: number): DomainError => DomainError.notFound(`case ${id}`);

export function mayHoldCases(actor: OutreachActor): boolean {
  return actor.role === 'WORKER' || actor.role === 'COORDINATOR' || isSystem(actor);
}

/**
 * Reads a case the actor may see. Row-level security already hides other municipalities; a worker also
 * sees only cases they hold (or held, for referral follow-up), and everyone else is told "not found".
 */
export async function caseForRead(repo: CasesRepository, m: EntityManager, actor: OutreachActor, id: number, lock: 'update' | 'none' = 'none'): Promise<CaseRow> {
  if (!mayHoldCases(actor)) throw DomainError.forbidden('Case work is for workers and coordinators');
  const row = await repo.find(m, id, lock);
  if (!row) throw caseNotFound(id);
  if (actor.role === 'WORKER' && row.assignedTo !== actor.userId) throw caseNotFound(id);
  return row;
}

/**
 * Locks a case for a step and checks who may take it, in which status, at which version. The order of
 * checks leaks nothing: scope first (404), then role (403), then state (409).
 */
export async function caseForStep(
  repo: CasesRepository,
  m: EntityManager,
  actor: OutreachActor,
  id: number,
  step: CaseStep,
  expectedVersion?: number,
): Promise<CaseRow> {
  const row = await caseForRead(repo, m, actor, id, 'update');
  if (COORDINATOR_STEPS.includes(step) && !(actor.role === 'COORDINATOR' || isSystem(actor))) {
    throw DomainError.forbidden(`Only a coordinator can ${step} a case`);
  }
  if (HOLDER_STEPS.includes(step) && !isSystem(actor) && row.assignedTo !== actor.userId) {
    throw DomainError.forbidden(step === 'reveal' ? 'Contact details are revealed only to the one who holds the case' : `Only the one who holds case ${id} can ${step} it`);
  }
  if (expectedVersion !== undefined && expectedVersion !== row.version) {
    throw DomainError.conflict(`case ${id} changed since you read it (version ${expectedVersion}, now ${row.version}): reload it and try again`, {
      caseId: id,
      expectedVersion,
      version: row.version,
    });
  }
  const problem = stepProblem(id, row.status, step);
  if (problem) throw DomainError.conflict(problem, { caseId: id, status: row.status });
  return row;
}

/** An audit entry about the person of a case: the pseudonym as subject, never contact details. */
export function caseEntry(
  actor: OutreachActor,
  c: Pick<CaseRow, 'id' | 'pseudonym' | 'municipality' | 'lawfulBasisIds'>,
  action: string,
  details: Record<string, unknown> = {},
  purpose = 'outreach',
): AuditEntryInput {
  // Every entry about a person names the lawful basis it relies on: the one of the criterion version that
  // listed them. Listed by several criteria under different bases, the entry names the first and lists all.
  const bases = c.lawfulBasisIds;
  return {
    actor: actor.userId,
    role: actor.role,
    municipality: c.municipality,
    action,
    subject: c.pseudonym,
    objectType: 'case',
    objectId: String(c.id),
    purpose,
    lawfulBasisId: bases[0] ?? null,
    details: { caseId: c.id, ...(bases.length > 1 ? { lawfulBases: bases } : {}), ...details },
  };
}
