import { isMunicipalityCode } from '@tiltas/contract';
import { DbScope } from '@tiltas/database';

export const ROLES = ['WORKER', 'COORDINATOR', 'AUDITOR', 'ADMIN'] as const;
export type Role = (typeof ROLES)[number];

export const LANGUAGES = ['lt', 'en'] as const;
export type Language = (typeof LANGUAGES)[number];

/** Workers and coordinators act for one municipality; auditors and admins may be national or municipal. */
export const MUNICIPAL_ONLY_ROLES: readonly Role[] = ['WORKER', 'COORDINATOR'];

/** A person signs in; a service account is a machine client's, reached only through its API tokens. */
export const USER_KINDS = ['PERSON', 'SERVICE'] as const;
export type UserKind = (typeof USER_KINDS)[number];

/**
 * The roles a service account may have: none that holds cases or reveals contacts, so no machine client
 * can act as a person (the database CHECK users_service_account says the same).
 */
export const SERVICE_ACCOUNT_ROLES: readonly Role[] = ['AUDITOR', 'ADMIN'];

export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}

/** Who a request or command acts for: what guards, services and row-level security decide on. */
export interface Actor {
  readonly userId: string;
  readonly username: string;
  readonly role: Role;
  readonly municipality: string | null;
  readonly scope: 'national' | 'municipal';
  readonly language: Language;
  /** Set (true) only for a service account's token; absent for a person. */
  readonly serviceAccount?: true;
}

/** The scope a transaction runs with for this actor (the settings row-level security reads). */
export function actorScope(actor: Actor): DbScope {
  return { scope: actor.scope, municipality: actor.municipality, actor: actor.userId, role: actor.role };
}

/**
 * Whether a role may have this municipality (null meaning national). Returns the reason it may not, so
 * the CLI, the OIDC mapping and the database CHECK all refuse the same things with the same words.
 */
export function roleMunicipalityProblem(role: Role, municipality: string | null): string | null {
  if (municipality !== null && !isMunicipalityCode(municipality)) {
    return `municipality must be an ISO 3166-2:LT code LT-01…LT-60`;
  }
  if (municipality === null && MUNICIPAL_ONLY_ROLES.includes(role)) {
    return `a ${role} belongs to one municipality: give one`;
  }
  return null;
}

/**
 * Why this actor may not do a national matter (register extracts, lawful bases), or null when they may.
 * Municipal administrators manage their municipality; what every municipality's data rests on is national.
 */
export function nationalOnlyProblem(actor: Pick<Actor, 'scope' | 'municipality'>, what: string): string | null {
  if (actor.scope === 'national') return null;
  return `${what} is a national matter: only a national administrator may do it (you act for ${actor.municipality ?? 'one municipality'}).`;
}
