import { Injectable } from '@nestjs/common';
import { AuditService } from '@tiltas/audit';
import { Clock, DomainError } from '@tiltas/common';
import { DatabaseService, DbScope, SYSTEM_SCOPE } from '@tiltas/database';
import { EntityManager } from 'typeorm';
import { randomUUID } from 'node:crypto';
import { PASSWORD_MIN_LENGTH, generatePassword, hashPassword } from './password-hasher';
import { Actor, Language, LANGUAGES, Role, SERVICE_ACCOUNT_ROLES, UserKind, actorScope, isRole, roleMunicipalityProblem } from './roles';
import { SessionStore } from './session-store';
import { SignInThrottle } from './sign-in-throttle';
import { UserEntity } from './user.entity';
import { UsersRepository } from './users.repository';

export const DEFAULT_CASELOAD_LIMIT = 40;
const USERNAME = /^[A-Za-z0-9._@:-]{3,128}$/;

export interface NewUser {
  readonly username: string;
  readonly role: string;
  readonly municipality?: string | null;
  readonly displayName?: string;
  /** Omitted: one is generated and returned once. */
  readonly password?: string;
  readonly language?: string;
  readonly caseloadLimit?: number;
}

export interface NewServiceAccount {
  readonly username: string;
  readonly role: string;
  readonly municipality?: string | null;
  readonly displayName?: string;
}

export interface UserSummary {
  readonly id: string;
  readonly username: string;
  readonly displayName: string;
  readonly role: Role;
  readonly kind: UserKind;
  readonly municipality: string | null;
  readonly language: Language;
  readonly caseloadLimit: number | null;
  /** How the user signs in; `none` for a service account, which only its tokens use. */
  readonly signIn: 'password' | 'oidc' | 'none';
  readonly disabledAt: string | null;
  readonly createdAt: string;
  readonly lastSignedInAt: string | null;
}

export interface CreatedUser {
  readonly user: UserSummary;
  /** The password to hand over, printed once; null when the caller chose it. */
  readonly generatedPassword: string | null;
}

export interface DemoSignIn {
  readonly username: string;
  readonly password: string;
  readonly role: Role;
  readonly municipality: string | null;
}

/** The demo's users: one per role in Vilnius city and in Kaunas city, and a national auditor and admin. */
export const DEMO_USERS: ReadonlyArray<{ username: string; role: Role; municipality: string | null; displayName: string }> = [
  ...(
    [
      ['LT-57', 'lt57', 'Vilnius city'],
      ['LT-15', 'lt15', 'Kaunas city'],
    ] as const
  ).flatMap(([municipality, tag, place]) =>
    (['WORKER', 'COORDINATOR', 'AUDITOR', 'ADMIN'] as const).map((role) => ({
      username: `demo-${role.toLowerCase()}-${tag}`,
      role,
      municipality,
      displayName: `Demo ${role.toLowerCase()} (${place})`,
    })),
  ),
  { username: 'demo-auditor', role: 'AUDITOR', municipality: null, displayName: 'Demo auditor (national)' },
  { username: 'demo-admin', role: 'ADMIN', municipality: null, displayName: 'Demo administrator (national)' },
];

export function toActor(user: Pick<UserEntity, 'id' | 'username' | 'role' | 'municipality' | 'language'> & { kind?: UserKind }): Actor {
  return {
    userId: user.id,
    username: user.username,
    role: user.role,
    municipality: user.municipality,
    scope: user.municipality ? 'municipal' : 'national',
    language: user.language,
    ...(user.kind === 'SERVICE' ? { serviceAccount: true as const } : {}),
  };
}

export function toSummary(user: UserEntity): UserSummary {
  return {
    id: user.id,
    username: user.username,
    displayName: user.displayName,
    role: user.role,
    kind: user.kind,
    municipality: user.municipality,
    language: user.language,
    caseloadLimit: user.caseloadLimit,
    signIn: user.kind === 'SERVICE' ? 'none' : user.oidcSubject ? 'oidc' : 'password',
    disabledAt: user.disabledAt ? user.disabledAt.toISOString() : null,
    createdAt: user.createdAt.toISOString(),
    lastSignedInAt: user.lastSignedInAt ? user.lastSignedInAt.toISOString() : null,
  };
}

/** Checks a new service account field by field and names every problem at once. */
export function validateNewServiceAccount(input: NewServiceAccount): { role: Role; municipality: string | null } {
  const problems: Record<string, string> = {};
  if (!USERNAME.test(input.username)) problems.username = 'must be 3–128 characters: letters, digits, . _ @ : -';
  if (!isRole(input.role) || !SERVICE_ACCOUNT_ROLES.includes(input.role)) {
    problems.role = `must be ${SERVICE_ACCOUNT_ROLES.join(' or ')}: a service account never holds cases or reveals contacts`;
  }
  const municipality = input.municipality ?? null;
  const problem = roleMunicipalityProblem(isRole(input.role) ? input.role : 'AUDITOR', municipality);
  if (problem) problems.municipality = problem;
  // Absent means "the username"; null is not absent, and not a string either (it was a TypeError, a 500).
  const displayName: unknown = input.displayName;
  if (displayName !== undefined && (typeof displayName !== 'string' || displayName.trim().length === 0 || displayName.length > 200)) problems.displayName = 'must be 1–200 characters, or left out';
  if (Object.keys(problems).length > 0) throw DomainError.validation('The service account cannot be added', { problems });
  return { role: input.role as Role, municipality };
}

/** Checks a new user field by field and names every problem at once. */
export function validateNewUser(input: NewUser): { role: Role; municipality: string | null; language: Language } {
  const problems: Record<string, string> = {};
  if (!USERNAME.test(input.username)) problems.username = 'must be 3–128 characters: letters, digits, . _ @ : -';
  if (!isRole(input.role)) problems.role = 'must be one of WORKER, COORDINATOR, AUDITOR, ADMIN';
  const municipality = input.municipality ?? null;
  if (isRole(input.role)) {
    const problem = roleMunicipalityProblem(input.role, municipality);
    if (problem) problems.municipality = problem;
  }
  const language = input.language ?? 'lt';
  if (!(LANGUAGES as readonly string[]).includes(language)) problems.language = 'must be lt or en';
  // Absent means "generate one" / "the username"; null is not absent, and not a string either.
  const password: unknown = input.password;
  if (password !== undefined && (typeof password !== 'string' || password.length < PASSWORD_MIN_LENGTH)) problems.password = `must be a string of at least ${PASSWORD_MIN_LENGTH} characters, or left out`;
  const displayName: unknown = input.displayName;
  if (displayName !== undefined && (typeof displayName !== 'string' || displayName.trim().length === 0 || displayName.length > 200)) problems.displayName = 'must be 1–200 characters, or left out';
  if (input.caseloadLimit !== undefined && (!Number.isInteger(input.caseloadLimit) || input.caseloadLimit < 0 || input.caseloadLimit > 100000)) {
    problems.caseloadLimit = 'must be a whole number from 0 to 100000';
  }
  if (Object.keys(problems).length > 0) throw DomainError.validation('The user cannot be added', { problems });
  return { role: input.role as Role, municipality, language: language as Language };
}

@Injectable()
export class UsersService {
  constructor(
    private readonly db: DatabaseService,
    private readonly users: UsersRepository,
    private readonly audit: AuditService,
    private readonly sessions: SessionStore,
    private readonly throttle: SignInThrottle,
    private readonly clock: Clock,
  ) {}

  async addUser(input: NewUser, by: DbScope = SYSTEM_SCOPE('cli')): Promise<CreatedUser> {
    const { role, municipality, language } = validateNewUser(input);
    if (by.scope === 'municipal' && municipality !== by.municipality) {
      throw DomainError.forbidden('A municipal administrator adds users of their own municipality only');
    }
    const password = input.password ?? generatePassword();
    const passwordHash = await hashPassword(password);
    return this.db.transaction(by, async (manager) => {
      if (await this.users.findByUsername(input.username, manager)) throw DomainError.conflict(`A user named ${input.username} exists already`);
      const user = await this.users.insert(
        Object.assign(new UserEntity(), {
          id: randomUUID(),
          username: input.username,
          displayName: input.displayName?.trim() ?? input.username,
          role,
          kind: 'PERSON' as const,
          municipality,
          passwordHash,
          oidcIssuer: null,
          oidcSubject: null,
          disabledAt: null,
          language,
          caseloadLimit: role === 'WORKER' ? (input.caseloadLimit ?? DEFAULT_CASELOAD_LIMIT) : null,
          createdAt: this.clock.now(),
          lastSignedInAt: null,
        }),
        manager,
      );
      await this.record(manager, by, 'user.created', user.id, { role, municipality });
      return { user: toSummary(user), generatedPassword: input.password === undefined ? password : null };
    });
  }

  /**
   * Adds a service account: no password and no sign-in, only the tokens an administrator creates for it.
   * A municipal administrator adds one for their own municipality.
   */
  async addServiceAccount(input: NewServiceAccount, by: DbScope = SYSTEM_SCOPE('cli')): Promise<UserSummary> {
    const { role, municipality } = validateNewServiceAccount(input);
    if (by.scope === 'municipal' && municipality !== by.municipality) {
      throw DomainError.forbidden('A municipal administrator adds service accounts of their own municipality only');
    }
    return this.db.transaction(by, async (manager) => {
      if (await this.users.findByUsername(input.username, manager)) throw DomainError.conflict(`A user named ${input.username} exists already`);
      const user = await this.users.insert(
        Object.assign(new UserEntity(), {
          id: randomUUID(),
          username: input.username,
          displayName: input.displayName?.trim() ?? input.username,
          role,
          kind: 'SERVICE' as const,
          municipality,
          passwordHash: null,
          oidcIssuer: null,
          oidcSubject: null,
          disabledAt: null,
          language: 'en' as const,
          caseloadLimit: null,
          createdAt: this.clock.now(),
          lastSignedInAt: null,
        }),
        manager,
      );
      await this.record(manager, by, 'user.created', user.id, { role, municipality, kind: 'SERVICE' });
      return toSummary(user);
    });
  }

  /** Every user for a national viewer; a municipal administrator sees their municipality's. */
  async listUsers(by: DbScope = SYSTEM_SCOPE('cli')): Promise<UserSummary[]> {
    const users = await this.users.list(by.scope === 'municipal' ? by.municipality : null);
    return users.map(toSummary);
  }

  async disableUser(username: string, by: DbScope = SYSTEM_SCOPE('cli')): Promise<UserSummary> {
    const disabled = await this.db.transaction(by, async (manager) => {
      const user = await this.users.findByUsername(username, manager);
      if (!user || (by.scope === 'municipal' && user.municipality !== by.municipality)) throw DomainError.notFound('user');
      if (user.disabledAt) return user;
      user.disabledAt = this.clock.now();
      await this.users.update(user.id, { disabledAt: user.disabledAt }, manager);
      await this.record(manager, by, 'user.disabled', user.id, {});
      return user;
    });
    // After the commit: the guard refuses disabled users anyway, this only frees their sessions at once.
    await this.sessions.destroyAllForUser(disabled.id);
    return toSummary(disabled);
  }

  /**
   * Lifts a sign-in lockout before it runs out (a worker who mistyped and cannot wait). The counter is
   * cleared inside the transaction that records the unlock, so an unlock that did not happen is not on
   * the record, and one that is recorded happened. Whether the account was locked is said, not guessed.
   */
  async unlockSignIn(username: string, by: DbScope = SYSTEM_SCOPE('cli')): Promise<{ user: UserSummary; wasLocked: boolean }> {
    return this.db.transaction(by, async (manager) => {
      const user = await this.users.findByUsername(username, manager);
      if (!user || (by.scope === 'municipal' && user.municipality !== by.municipality)) throw DomainError.notFound('user');
      const wasLocked = await this.throttle.isAccountLocked(user.username);
      await this.record(manager, by, 'user.sign_in_unlocked', user.id, { wasLocked });
      await this.throttle.clearAccount(user.username);
      return { user: toSummary(user), wasLocked };
    });
  }

  /**
   * Gives a user another role (and, for a municipal role, a municipality). A municipal administrator
   * changes users of their own municipality only and keeps them there; nobody changes their own role (an
   * administrator cannot lock themselves out, nor raise themselves). A service account keeps a role a
   * service account may have. The user's sessions end, so every page they see is the new role's.
   */
  async changeRole(username: string, input: { role: string; municipality?: string | null }, by: DbScope = SYSTEM_SCOPE('cli')): Promise<UserSummary> {
    if (!isRole(input.role)) throw DomainError.validation('The role cannot be changed', { problems: { role: 'must be one of WORKER, COORDINATOR, AUDITOR, ADMIN' } });
    const role: Role = input.role;
    const changed = await this.db.transaction(by, async (manager) => {
      const user = await this.users.findByUsername(username, manager);
      if (!user || (by.scope === 'municipal' && user.municipality !== by.municipality)) throw DomainError.notFound('user');
      if (user.id === by.actor) throw DomainError.forbidden('Nobody changes their own role: another administrator does');
      const municipality = input.municipality === undefined ? user.municipality : input.municipality;
      if (by.scope === 'municipal' && municipality !== by.municipality) throw DomainError.forbidden('A municipal administrator keeps users in their own municipality');
      const problem = roleMunicipalityProblem(role, municipality);
      if (problem) throw DomainError.validation('The role cannot be changed', { problems: { municipality: problem } });
      if (user.kind === 'SERVICE' && !SERVICE_ACCOUNT_ROLES.includes(role)) {
        throw DomainError.validation('The role cannot be changed', { problems: { role: `a service account is ${SERVICE_ACCOUNT_ROLES.join(' or ')}` } });
      }
      if (user.role === role && user.municipality === municipality) return { user, changed: false };
      const caseloadLimit = role === 'WORKER' ? (user.caseloadLimit ?? DEFAULT_CASELOAD_LIMIT) : null;
      await this.users.update(user.id, { role, municipality, caseloadLimit }, manager);
      await this.record(manager, by, 'user.role_changed', user.id, { from: { role: user.role, municipality: user.municipality }, to: { role, municipality } });
      return { user: Object.assign(user, { role, municipality, caseloadLimit }), changed: true };
    });
    if (changed.changed) await this.sessions.destroyAllForUser(changed.user.id);
    return toSummary(changed.user);
  }

  /**
   * Gives a user a new generated password, returned once to hand over; their sessions end and any lockout
   * is lifted. Only for people who sign in with a password (not single sign-on users, not service accounts).
   */
  async resetPassword(username: string, by: DbScope = SYSTEM_SCOPE('cli')): Promise<{ user: UserSummary; password: string }> {
    const password = generatePassword();
    const passwordHash = await hashPassword(password);
    const user = await this.db.transaction(by, async (manager) => {
      const found = await this.users.findByUsername(username, manager);
      if (!found || (by.scope === 'municipal' && found.municipality !== by.municipality)) throw DomainError.notFound('user');
      if (found.kind === 'SERVICE') throw DomainError.validation('A service account has no password: it signs in with its tokens only');
      if (found.oidcSubject) throw DomainError.validation('This user signs in through single sign-on: their password is not kept here');
      await this.users.update(found.id, { passwordHash }, manager);
      await this.record(manager, by, 'user.password_reset', found.id, {});
      await this.throttle.clearAccount(found.username);
      return found;
    });
    await this.sessions.destroyAllForUser(user.id);
    return { user: toSummary(user), password };
  }

  /**
   * The language a person's pages are in, chosen by themselves on any page. Kept on their user, so it holds
   * on every device and after the next sign-in; the change is on the record like any change to a user.
   */
  async setLanguage(actor: Actor, language: string): Promise<Language> {
    if (!(LANGUAGES as readonly string[]).includes(language)) throw DomainError.validation('language must be lt or en', { language: 'must be lt or en' });
    const chosen = language as Language;
    if (chosen === actor.language) return chosen;
    await this.db.transaction(actorScope(actor), async (manager) => {
      await this.users.update(actor.userId, { language: chosen }, manager);
      await this.record(manager, actorScope(actor), 'user.language_changed', actor.userId, { from: actor.language, to: chosen });
    });
    return chosen;
  }

  /** The user a session or token acts for, if they may still act. */
  async findActive(id: string): Promise<UserEntity | null> {
    const user = await this.users.findById(id);
    return user && !user.disabledAt ? user : null;
  }

  /**
   * Creates the demo users, or gives existing ones a fresh password (and enables them again), and returns
   * every sign-in for the demo to print. Safe to run again.
   */
  async ensureDemoUsers(by: DbScope = SYSTEM_SCOPE('demo')): Promise<DemoSignIn[]> {
    const signIns: DemoSignIn[] = [];
    for (const demo of DEMO_USERS) {
      const password = generatePassword();
      const passwordHash = await hashPassword(password);
      await this.db.transaction(by, async (manager) => {
        const existing = await this.users.findByUsername(demo.username, manager);
        if (existing) {
          await this.users.update(existing.id, { passwordHash, disabledAt: null, role: demo.role, municipality: demo.municipality }, manager);
          await this.record(manager, by, 'user.password_reset', existing.id, { demo: true });
          return;
        }
        const user = await this.users.insert(
          Object.assign(new UserEntity(), {
            id: randomUUID(),
            username: demo.username,
            displayName: demo.displayName,
            role: demo.role,
            kind: 'PERSON' as const,
            municipality: demo.municipality,
            passwordHash,
            oidcIssuer: null,
            oidcSubject: null,
            disabledAt: null,
            language: 'lt' as const,
            caseloadLimit: demo.role === 'WORKER' ? DEFAULT_CASELOAD_LIMIT : null,
            createdAt: this.clock.now(),
            lastSignedInAt: null,
          }),
          manager,
        );
        await this.record(manager, by, 'user.created', user.id, { role: demo.role, municipality: demo.municipality, demo: true });
      });
      signIns.push({ username: demo.username, password, role: demo.role, municipality: demo.municipality });
    }
    return signIns;
  }

  private async record(manager: EntityManager, by: DbScope, action: string, userId: string, details: Record<string, unknown>): Promise<void> {
    await this.audit.record(manager, {
      actor: by.actor,
      role: by.role,
      municipality: by.municipality,
      action,
      objectType: 'user',
      objectId: userId,
      details,
    });
  }
}

