import type { Actor } from '@tiltas/access';

/** Who started a run, as the job carries it to the worker: the run and its log entries name them. */
export function startedBy(actor: Actor): { userId: string; role: string; municipality: string | null; scope: 'national' | 'municipal' } {
  return { userId: actor.userId, role: actor.role, municipality: actor.municipality, scope: actor.scope };
}
