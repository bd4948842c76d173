import { Actor } from '@tiltas/access';
import { DomainError } from '@tiltas/common';
import type { EntityManager } from 'typeorm';
import { LetterCase, LettersRepository } from './letters.repository';

const OPEN_HELD = ['ASSIGNED', 'IN_PROGRESS'];

/**
 * The case, if the actor holds it (a worker, or a coordinator for a case they hold). Row-level security
 * hides other municipalities; a worker is told "not found" about a case they do not hold as about one
 * that does not exist, so nothing leaks; a coordinator learns only that it is not theirs. Locks the case
 * so it cannot change hands while a letter is written or a message queued.
 */
export async function heldCase(repo: LettersRepository, m: EntityManager, actor: Actor, caseId: number): Promise<LetterCase> {
  if (actor.role !== 'WORKER' && actor.role !== 'COORDINATOR') throw DomainError.forbidden('Letters and messages are sent by the one who holds the case');
  const row = await repo.findCase(m, caseId, 'share');
  if (!row || (actor.role === 'WORKER' && row.assignedTo !== actor.userId)) throw DomainError.notFound(`case ${caseId}`);
  if (row.assignedTo !== actor.userId) throw DomainError.forbidden(`Only the one who holds case ${caseId} can write to the person`);
  if (!OPEN_HELD.includes(row.status)) throw DomainError.conflict(`Case ${caseId} is ${row.status}: nothing can be sent for it`);
  return row;
}

export function isOpenHeldBy(row: LetterCase, userId: string): boolean {
  return OPEN_HELD.includes(row.status) && row.assignedTo === userId;
}

export function caseIdFrom(value: unknown): number {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw DomainError.validation('case id must be a positive whole number');
  return n;
}
