import { Injectable } from '@nestjs/common';
import { AuditEntryInput, AuditService } from '@tiltas/audit';
import { Clock, DomainError, ErrorCode } from '@tiltas/common';
import { DatabaseService, SYSTEM_SCOPE } from '@tiltas/database';
import { randomBytes } from 'node:crypto';
import { hashPassword, verifyPassword } from './password-hasher';
import { Actor, Language, actorScope } from './roles';
import { Session, SessionStore, SignInMethod } from './session-store';
import { SignInThrottle } from './sign-in-throttle';
import { UserEntity } from './user.entity';
import { toActor } from './users.service';
import { UsersRepository } from './users.repository';

export interface SignedIn {
  readonly session: Session;
  readonly actor: Actor;
}

export type SignInFailure = 'unknown_user' | 'wrong_password' | 'disabled' | 'no_password' | 'locked';

/** One message for every failure: a caller never learns whether the account exists. */
export const SIGN_IN_FAILED = 'Sign-in failed: wrong username or password.';

/**
 * Sign-in and sign-out. Each writes its audit entry in the same transaction as the user row it touches,
 * and the Redis session is created inside that transaction, so a session never exists without its
 * `auth.signed_in` entry (if the commit fails the session is deleted again).
 */
@Injectable()
export class AuthService {
  private dummyHash: Promise<string> | null = null;

  constructor(
    private readonly db: DatabaseService,
    private readonly users: UsersRepository,
    private readonly sessions: SessionStore,
    private readonly throttle: SignInThrottle,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  /** `language`, when the person chose one on the sign-in page, becomes theirs from this sign-in on. */
  async signInWithPassword(username: string, password: string, address: string, language?: Language): Promise<SignedIn> {
    const name = username.trim();
    // The attempt's place under the limits is taken before anything else, so parallel attempts cannot
    // all get past a check that none of them has yet failed.
    const outcome = await this.throttle.reserve(name, address);
    let user: UserEntity | null;
    let failure: SignInFailure | null;
    try {
      user = name.length > 0 && name.length <= 128 ? await this.users.findByUsername(name) : null;
      if (outcome.locked) {
        await this.recordFailure(user, 'locked');
        throw new DomainError(ErrorCode.RATE_LIMITED, `Too many failed sign-ins. Try again in ${Math.ceil(outcome.retryAfterSeconds / 60)} minute(s).`, {
          retryAfterSeconds: outcome.retryAfterSeconds,
        });
      }
      failure = await this.check(user, password);
    } catch (err) {
      if (!outcome.locked) await this.throttle.release(outcome.reservation);
      throw err;
    }
    if (failure) {
      await this.throttle.failed(outcome.reservation);
      await this.recordFailure(user, failure);
      throw new DomainError(ErrorCode.UNAUTHENTICATED, SIGN_IN_FAILED);
    }
    await this.throttle.succeeded(outcome.reservation);
    return this.startSession(user!, 'password', language);
  }

  /** Starts a session for a user already proven by someone we trust (the OIDC provider). */
  async startSession(user: UserEntity, method: SignInMethod, language?: Language): Promise<SignedIn> {
    const chosen = language !== undefined && language !== user.language ? language : undefined;
    const actor = toActor(chosen ? { ...user, language: chosen } : user);
    let created: Session | null = null;
    try {
      return await this.db.transaction(actorScope(actor), async (manager) => {
        const now = this.clock.now();
        await this.users.update(user.id, chosen ? { lastSignedInAt: now, language: chosen } : { lastSignedInAt: now }, manager);
        await this.audit.record(manager, {
          actor: actor.userId,
          role: actor.role,
          municipality: actor.municipality,
          action: 'auth.signed_in',
          objectType: 'user',
          objectId: actor.userId,
          details: chosen ? { method, language: chosen } : { method },
        });
        created = await this.sessions.create(user.id, method);
        return { session: created, actor };
      });
    } catch (err) {
      if (created) await this.sessions.destroy((created as Session).id, user.id);
      throw err;
    }
  }

  async signOut(session: Session, actor: Actor): Promise<void> {
    await this.db.transaction(actorScope(actor), async (manager) => {
      await this.audit.record(manager, {
        actor: actor.userId,
        role: actor.role,
        municipality: actor.municipality,
        action: 'auth.signed_out',
        objectType: 'user',
        objectId: actor.userId,
        details: { method: session.method },
      });
      await this.sessions.destroy(session.id, session.userId);
    });
  }

  /** The session behind a cookie and who it acts for; null when expired, unknown or its user disabled. */
  async resolveSession(id: string): Promise<SignedIn | null> {
    const session = await this.sessions.touch(id);
    if (!session) return null;
    const user = await this.users.findSessionUser(session.userId);
    if (!user || user.disabledAt) {
      await this.sessions.destroy(id, session.userId);
      return null;
    }
    return { session, actor: toActor(user) };
  }

  private async check(user: UserEntity | null, password: string): Promise<SignInFailure | null> {
    if (!user || !user.passwordHash) {
      // Spend the same time as a real check, so response times do not tell which usernames exist.
      this.dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
      await verifyPassword(password, await this.dummyHash);
      return user ? 'no_password' : 'unknown_user';
    }
    if (!(await verifyPassword(password, user.passwordHash))) return 'wrong_password';
    if (user.disabledAt) return 'disabled';
    return null;
  }

  private async recordFailure(user: UserEntity | null, reason: SignInFailure): Promise<void> {
    await this.db.transaction(SYSTEM_SCOPE('auth'), (manager) =>
      this.audit.record(manager, signInFailedEntry(user, { reason })),
    );
  }
}

/**
 * The audit entry of a failed sign-in, by password or OpenID Connect. The attempted username is not
 * recorded: people type passwords into the username field.
 */
export function signInFailedEntry(user: UserEntity | null, details: Record<string, string>): AuditEntryInput {
  return {
    actor: user ? user.id : 'system:auth',
    role: user ? user.role : 'SYSTEM',
    municipality: user ? user.municipality : null,
    action: 'auth.sign_in_failed',
    objectType: user ? 'user' : null,
    objectId: user ? user.id : null,
    details,
  };
}
