import type { DbScope } from '@tiltas/database';

/**
 * Who asks. Shaped like @tiltas/access's Actor and @tiltas/audit's AuditActor (userId, role, municipality,
 * scope), so either passes as it is and this lib does not depend on access.
 */
export interface IdentificationActor {
  readonly userId: string;
  readonly role: string;
  readonly municipality: string | null;
  readonly scope: 'national' | 'municipal';
}

/** The operator's command line and the scheduled job act nationally, as the system. */
export function systemIdentificationActor(name: string): IdentificationActor {
  return { userId: `system:${name}`, role: 'SYSTEM', municipality: null, scope: 'national' };
}

export function scopeOf(actor: IdentificationActor): DbScope {
  return { scope: actor.scope, municipality: actor.municipality, actor: actor.userId, role: actor.role };
}

