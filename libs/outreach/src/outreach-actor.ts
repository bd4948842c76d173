import { DomainError } from '@tiltas/common';
import { DbScope } from '@tiltas/database';

/**
 * Who does case work. @tiltas/access's Actor fits it as it is; the CLI and jobs (letters) act as
 * `system:<job>` with the SYSTEM role and national scope.
 */
export interface OutreachActor {
  readonly userId: string;
  readonly role: 'WORKER' | 'COORDINATOR' | 'AUDITOR' | 'ADMIN' | 'SYSTEM';
  readonly municipality: string | null;
  readonly scope: 'national' | 'municipal';
  /** A service account's token: it acts for no person, so it never holds a case or sees a contact. */
  readonly serviceAccount?: true;
}

export function systemOutreachActor(job: string): OutreachActor {
  return { userId: `system:${job}`, role: 'SYSTEM', municipality: null, scope: 'national' };
}

/** The transaction scope row-level security reads for this actor. */
export function outreachScope(actor: OutreachActor): DbScope {
  return { scope: actor.scope, municipality: actor.municipality, actor: actor.userId, role: actor.role };
}

/** A national scope for the one step that writes into another municipality: the receiving end of a hand-over. */
export function handOverScope(actor: OutreachActor): DbScope {
  return { scope: 'national', municipality: null, actor: actor.userId, role: actor.role };
}

export const isSystem = (actor: OutreachActor): boolean => actor.role === 'SYSTEM';
export const isCoordinator = (actor: OutreachActor): boolean => actor.role === 'COORDINATOR';

/** Refuses a service account a step only a person may take (holding a case, seeing a contact). */
export function assertPerson(actor: OutreachActor, what: string): void {
  if (actor.serviceAccount) throw DomainError.forbidden(`A service account acts for no person: it cannot ${what}.`);
}
