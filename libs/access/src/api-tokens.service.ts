import { Injectable } from '@nestjs/common';
import { AuditService } from '@tiltas/audit';
import { Clock, DomainError } from '@tiltas/common';
import { DatabaseService, DbScope, SYSTEM_SCOPE } from '@tiltas/database';
import { createHash, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { Actor, actorScope } from './roles';
import { toActor } from './users.service';
import { UsersRepository } from './users.repository';

/** `tlt_<token id>_<64 hex secret>`: the id finds the row, the secret is checked against its SHA-256. */
const TOKEN = /^tlt_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})_([0-9a-f]{64})$/;
export const DEFAULT_TOKEN_DAYS = 90;
export const MAX_TOKEN_DAYS = 730;

export interface CreatedToken {
  readonly id: string;
  /** Shown once; only its hash is stored. */
  readonly token: string;
  readonly name: string;
  readonly username: string;
  readonly expiresAt: string;
}

export interface TokenSummary {
  readonly id: string;
  readonly name: string;
  readonly userId: string;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly revokedAt: string | null;
  readonly lastUsedAt: string | null;
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/**
 * Who asks for a token: the operator at the CLI (SYSTEM_SCOPE('cli')), or a signed-in actor and how they
 * are signed in (a session, or another API token).
 */
export type TokenRequester =
  | { readonly kind: 'operator'; readonly scope: DbScope }
  | { readonly kind: 'signed-in'; readonly actor: Actor; readonly method: 'session' | 'token' };

export const CLI_OPERATOR: TokenRequester = { kind: 'operator', scope: SYSTEM_SCOPE('cli') };

export function signedInRequester(actor: Actor, method: 'session' | 'token'): TokenRequester {
  return { kind: 'signed-in', actor, method };
}

function requesterScope(requester: TokenRequester): DbScope {
  return requester.kind === 'operator' ? requester.scope : actorScope(requester.actor);
}

/** Whether the requester manages other users' tokens (an administrator or the operator) in its scope. */
function managesTokens(requester: TokenRequester): boolean {
  return requester.kind === 'operator' || requester.actor.role === 'ADMIN';
}

/**
 * API tokens for machine clients. A token acts as its owner (their role and municipality), ends at its
 * expiry or when revoked, and stops working when its owner is disabled. The secret has 256 bits, so a
 * fast hash is enough: there is nothing to guess a dictionary of.
 *
 * Nobody acts under another person's name: a person's token is created by that person, signed in, and a
 * token a person did not create does not work. Machine clients use service accounts, whose tokens an
 * administrator (or the operator at the CLI) creates; a service account never holds cases or reveals
 * contacts. A token is never created with another token, so a leaked one cannot renew itself.
 */
@Injectable()
export class ApiTokensService {
  constructor(
    private readonly db: DatabaseService,
    private readonly users: UsersRepository,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  /** Creates a token for `username` (a signed-in person omits it for their own). */
  async create(input: { username?: string; name?: string; expiresDays?: number }, requester: TokenRequester = CLI_OPERATOR): Promise<CreatedToken> {
    const days = input.expiresDays ?? DEFAULT_TOKEN_DAYS;
    if (!Number.isInteger(days) || days < 1 || days > MAX_TOKEN_DAYS) {
      throw DomainError.validation(`A token expires in 1 to ${MAX_TOKEN_DAYS} days`, { problems: { expiresDays: `must be a whole number from 1 to ${MAX_TOKEN_DAYS}` } });
    }
    const name = (input.name ?? 'api token').trim();
    if (name.length === 0 || name.length > 200) throw DomainError.validation('A token name has 1–200 characters', { problems: { name: 'must be 1–200 characters' } });
    const username = input.username ?? (requester.kind === 'signed-in' ? requester.actor.username : undefined);
    if (!username) throw DomainError.validation('Name the service account the token is for', { problems: { username: 'is required' } });
    if (requester.kind === 'signed-in' && requester.method === 'token') {
      throw DomainError.forbidden('An API token cannot create API tokens: sign in to create one, so a leaked token cannot renew itself.');
    }
    const by = requesterScope(requester);
    const id = randomUUID();
    const secret = randomBytes(32).toString('hex');
    const now = this.clock.now();
    const expiresAt = new Date(now.getTime() + days * 86_400_000);
    return this.db.transaction(by, async (manager) => {
      const user = await this.users.findByUsername(username, manager);
      const own = requester.kind === 'signed-in' && user?.id === requester.actor.userId;
      if (!user || (!own && by.scope === 'municipal' && user.municipality !== by.municipality)) throw DomainError.notFound('user');
      if (user.kind === 'PERSON' && !own) {
        throw DomainError.forbidden(
          requester.kind === 'operator'
            ? `The CLI creates tokens only for service accounts: ${user.username} is a person, who creates their own token signed in (the Tokens page or POST /api/tokens). For a machine client, add a service account (service-accounts add).`
            : `A token for a person's account is created only by that person: ${user.username} must sign in and create it. For a machine client, create a service account.`,
        );
      }
      if (user.kind === 'SERVICE' && !managesTokens(requester)) throw DomainError.forbidden('Only an administrator creates tokens for a service account');
      if (user.disabledAt) throw DomainError.conflict('The user is disabled: a token for them would not work');
      await this.users.insertToken(
        { id, userId: user.id, name, secretSha256: sha256(secret), createdBy: by.actor, createdAt: now, expiresAt, revokedAt: null, lastUsedAt: null },
        manager,
      );
      await this.audit.record(manager, {
        actor: by.actor,
        role: by.role,
        municipality: by.municipality,
        action: 'token.created',
        objectType: 'api_token',
        objectId: id,
        details: { userId: user.id, kind: user.kind, expiresAt: expiresAt.toISOString() },
      });
      return { id, token: `tlt_${id}_${secret}`, name, username: user.username, expiresAt: expiresAt.toISOString() };
    });
  }

  /** Revokes a token: its owner may, and an administrator for users of their scope. */
  async revoke(id: string, requester: TokenRequester = CLI_OPERATOR): Promise<void> {
    if (!/^[0-9a-f-]{36}$/.test(id)) throw DomainError.notFound('token');
    const by = requesterScope(requester);
    await this.db.transaction(by, async (manager) => {
      const token = await this.users.findToken(id, manager);
      const owner = token ? await this.users.findById(token.userId, manager) : null;
      const own = requester.kind === 'signed-in' && owner?.id === requester.actor.userId;
      const inScope = own || (managesTokens(requester) && !(by.scope === 'municipal' && owner?.municipality !== by.municipality));
      if (!token || !owner || !inScope) throw DomainError.notFound('token');
      if (!(await this.users.revokeToken(id, this.clock.now(), manager))) throw DomainError.conflict('The token is revoked already');
      await this.audit.record(manager, {
        actor: by.actor,
        role: by.role,
        municipality: by.municipality,
        action: 'token.revoked',
        objectType: 'api_token',
        objectId: id,
        details: { userId: token.userId },
      });
    });
  }

  /**
   * An administrator's (or the operator's) tokens of their scope; anyone else's own tokens. `own` asks for
   * the requester's own tokens whatever their role (the account page).
   */
  async list(requester: TokenRequester = CLI_OPERATOR, options: { own?: boolean } = {}): Promise<TokenSummary[]> {
    const by = requesterScope(requester);
    const scoped = managesTokens(requester) && !(options.own && requester.kind === 'signed-in');
    const tokens = await this.users.listTokens(scoped ? null : by.actor);
    const visible = scoped && by.scope === 'municipal'
      ? (await this.users.list(by.municipality)).map((u) => u.id)
      : null;
    return tokens
      .filter((t) => visible === null || visible.includes(t.userId))
      .map((t) => ({
        id: t.id,
        name: t.name,
        userId: t.userId,
        createdAt: t.createdAt.toISOString(),
        expiresAt: t.expiresAt.toISOString(),
        revokedAt: t.revokedAt ? t.revokedAt.toISOString() : null,
        lastUsedAt: t.lastUsedAt ? t.lastUsedAt.toISOString() : null,
      }));
  }

  /** The actor a bearer token acts as, or null for a malformed, unknown, wrong, expired or revoked one. */
  async authenticate(presented: string): Promise<Actor | null> {
    const m = TOKEN.exec(presented);
    if (!m) return null;
    const token = await this.users.findToken(m[1]);
    if (!token) return null;
    const given = Buffer.from(sha256(m[2]), 'hex');
    if (!timingSafeEqual(given, Buffer.from(token.secretSha256, 'hex'))) return null;
    const now = this.clock.now();
    if (token.revokedAt || token.expiresAt.getTime() <= now.getTime()) return null;
    const owner = await this.users.findById(token.userId);
    if (!owner || owner.disabledAt) return null;
    // A person's token works only if they made it: one an administrator or the CLI made before that was
    // refused would let its holder act under the person's name.
    if (owner.kind === 'PERSON' && token.createdBy !== owner.id) return null;
    await this.users.markTokenUsed(token.id, now);
    return toActor(owner);
  }
}
