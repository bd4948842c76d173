import { Inject, Injectable } from '@nestjs/common';
import { AuditService } from '@tiltas/audit';
import { Clock, DomainError, ErrorCode } from '@tiltas/common';
import { APP_CONFIG, AppConfig } from '@tiltas/config';
import { DatabaseService, SYSTEM_SCOPE } from '@tiltas/database';
import { Redis } from 'ioredis';
import { JsonWebKey, KeyObject, createHash, createPublicKey, randomBytes, randomUUID, verify } from 'node:crypto';
import { ACCESS_REDIS } from './access-redis';
import { AuthService, SignedIn, signInFailedEntry } from './auth.service';
import { Role, isRole, roleMunicipalityProblem } from './roles';
import { UserEntity } from './user.entity';
import { DEFAULT_CASELOAD_LIMIT } from './users.service';
import { UsersRepository } from './users.repository';

interface Discovery {
  readonly issuer: string;
  readonly authorization_endpoint: string;
  readonly token_endpoint: string;
  readonly jwks_uri: string;
}

interface PendingLogin {
  readonly nonce: string;
  readonly verifier: string;
  readonly next: string;
}

export interface IdTokenClaims {
  readonly iss: string;
  readonly sub: string;
  readonly aud: string | string[];
  readonly exp: number;
  readonly iat?: number;
  readonly nonce?: string;
  readonly azp?: string;
  readonly [claim: string]: unknown;
}

const LOGIN_TTL_MS = 10 * 60_000;
const CLOCK_SKEW_S = 60;
const DISCOVERY_TTL_MS = 60 * 60_000;

function b64urlJson<T>(part: string): T {
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as T;
}

function trimSlash(url: string): string {
  return url.replace(/\/+$/, '');
}

/** Only local paths: a `next` that names another site would make sign-in an open redirect. */
export function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])[^\s]*$/.test(next) && next.length <= 2000 ? next : '/';
}

function oidcFailure(message: string): DomainError {
  return new DomainError(ErrorCode.UNAUTHENTICATED, `OpenID Connect sign-in failed: ${message}`);
}

/**
 * OpenID Connect sign-in for municipalities with their own identity provider: the authorization-code flow
 * with PKCE (S256), a state and a nonce held in Redis for ten minutes and used once, the id_token's RS256
 * signature checked against the provider's published keys. The provider is authoritative for role and
 * municipality: they are taken from the configured claims at every sign-in.
 */
@Injectable()
export class OidcService {
  private discovery: { value: Promise<Discovery>; at: number } | null = null;
  private keys = new Map<string, KeyObject>();

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(ACCESS_REDIS) private readonly redis: Redis,
    private readonly db: DatabaseService,
    private readonly users: UsersRepository,
    private readonly auth: AuthService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  get enabled(): boolean {
    return this.config.auth.oidc !== null;
  }

  private get settings() {
    const oidc = this.config.auth.oidc;
    if (!oidc) throw DomainError.notFound('OpenID Connect sign-in');
    return oidc;
  }

  get redirectUri(): string {
    return `${trimSlash(this.config.http.publicUrl)}/auth/oidc/callback`;
  }

  private pendingKey(state: string): string {
    return `${this.config.redis.prefix}:oidc-login:${state}`;
  }

  /** Where to send the browser to sign in at the provider. */
  async beginLogin(next?: string): Promise<string> {
    const oidc = this.settings;
    const discovery = await this.discover();
    const state = randomBytes(24).toString('base64url');
    const pending: PendingLogin = { nonce: randomBytes(24).toString('base64url'), verifier: randomBytes(32).toString('base64url'), next: safeNext(next) };
    await this.redis.set(this.pendingKey(state), JSON.stringify(pending), 'PX', LOGIN_TTL_MS);
    const url = new URL(discovery.authorization_endpoint);
    url.search = new URLSearchParams({
      response_type: 'code',
      client_id: oidc.clientId,
      redirect_uri: this.redirectUri,
      scope: 'openid profile',
      state,
      nonce: pending.nonce,
      code_challenge: createHash('sha256').update(pending.verifier).digest('base64url'),
      code_challenge_method: 'S256',
    }).toString();
    return url.toString();
  }

  /** Completes the flow the provider redirected back with, and signs the user in. */
  async complete(params: { code?: string; state?: string; error?: string }): Promise<SignedIn & { next: string }> {
    const oidc = this.settings;
    if (params.error) throw oidcFailure(`the identity provider answered ${params.error.slice(0, 100)}`);
    if (!params.code || !params.state) throw oidcFailure('the answer has no code or state');
    const raw = await this.redis.getdel(this.pendingKey(params.state));
    if (!raw) throw oidcFailure('the sign-in took too long or was already used; start again');
    const pending = JSON.parse(raw) as PendingLogin;
    const discovery = await this.discover();

    const response = await fetch(discovery.token_endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        accept: 'application/json',
        authorization: `Basic ${Buffer.from(`${encodeURIComponent(oidc.clientId)}:${encodeURIComponent(oidc.clientSecret)}`).toString('base64')}`,
      },
      body: new URLSearchParams({ grant_type: 'authorization_code', code: params.code, redirect_uri: this.redirectUri, code_verifier: pending.verifier }).toString(),
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) throw oidcFailure(`the token endpoint answered ${response.status}`);
    const body = (await response.json()) as { id_token?: unknown };
    if (typeof body.id_token !== 'string') throw oidcFailure('the token endpoint returned no id_token');
    const claims = await this.verifyIdToken(body.id_token, pending.nonce, discovery);
    const user = await this.userFor(claims, discovery.issuer);
    return { ...(await this.auth.startSession(user, 'oidc')), next: pending.next };
  }

  /** Checks signature (RS256, the provider's key), issuer, audience, expiry and nonce. */
  async verifyIdToken(token: string, nonce: string, discovery: Discovery): Promise<IdTokenClaims> {
    const parts = token.split('.');
    if (parts.length !== 3) throw oidcFailure('the id_token is not a signed JWT');
    const header = b64urlJson<{ alg?: string; kid?: string }>(parts[0]);
    if (header.alg !== 'RS256') throw oidcFailure('the id_token is not signed with RS256');
    const key = await this.key(header.kid, discovery);
    if (!verify('RSA-SHA256', Buffer.from(`${parts[0]}.${parts[1]}`), key, Buffer.from(parts[2], 'base64url'))) {
      throw oidcFailure('the id_token signature does not verify');
    }
    const claims = b64urlJson<IdTokenClaims>(parts[1]);
    const clientId = this.settings.clientId;
    const now = Math.floor(this.clock.now().getTime() / 1000);
    const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
    if (trimSlash(claims.iss) !== trimSlash(discovery.issuer)) throw oidcFailure('the id_token comes from another issuer');
    if (!audiences.includes(clientId) || (audiences.length > 1 && claims.azp !== clientId)) throw oidcFailure('the id_token is for another client');
    if (typeof claims.exp !== 'number' || claims.exp + CLOCK_SKEW_S <= now) throw oidcFailure('the id_token has expired');
    if (typeof claims.iat === 'number' && claims.iat - CLOCK_SKEW_S > now) throw oidcFailure('the id_token is issued in the future');
    if (claims.nonce !== nonce) throw oidcFailure('the id_token does not answer this sign-in (nonce)');
    if (typeof claims.sub !== 'string' || claims.sub.length === 0) throw oidcFailure('the id_token names no subject');
    return claims;
  }

  private async userFor(claims: IdTokenClaims, issuer: string): Promise<UserEntity> {
    const oidc = this.settings;
    const roleClaim = claims[oidc.roleClaim];
    const role = typeof roleClaim === 'string' ? roleClaim.trim().toUpperCase() : null;
    const municipalityClaim = claims[oidc.municipalityClaim];
    const municipality = typeof municipalityClaim === 'string' && municipalityClaim.trim() !== '' ? municipalityClaim.trim().toUpperCase() : null;
    const problem = !isRole(role)
      ? `the claim ${oidc.roleClaim} gives no Tiltas role (WORKER, COORDINATOR, AUDITOR, ADMIN)`
      : roleMunicipalityProblem(role, municipality);
    const existing = await this.users.findByOidcIdentity(trimSlash(issuer), claims.sub);
    if (problem || !isRole(role)) {
      await this.recordFailure(existing, 'oidc_claims');
      throw DomainError.forbidden(`OpenID Connect sign-in refused: ${problem}`);
    }
    if (existing?.disabledAt) {
      await this.recordFailure(existing, 'disabled');
      throw new DomainError(ErrorCode.UNAUTHENTICATED, 'OpenID Connect sign-in refused: the account is disabled.');
    }
    return this.db.transaction(SYSTEM_SCOPE('oidc'), async (manager) => {
      if (existing) {
        if (existing.role !== role || existing.municipality !== municipality) {
          await this.users.update(existing.id, { role, municipality, caseloadLimit: role === 'WORKER' ? (existing.caseloadLimit ?? DEFAULT_CASELOAD_LIMIT) : existing.caseloadLimit }, manager);
          await this.audit.record(manager, {
            actor: 'system:oidc',
            role: 'SYSTEM',
            municipality,
            action: 'user.role_changed',
            objectType: 'user',
            objectId: existing.id,
            details: { from: { role: existing.role, municipality: existing.municipality }, to: { role, municipality } },
          });
        }
        return Object.assign(existing, { role, municipality });
      }
      const user = await this.users.insert(
        Object.assign(new UserEntity(), {
          id: randomUUID(),
          username: await this.freeUsername(claims, manager),
          displayName: this.displayName(claims),
          role: role as Role,
          kind: 'PERSON' as const,
          municipality,
          passwordHash: null,
          oidcIssuer: trimSlash(issuer),
          oidcSubject: claims.sub,
          disabledAt: null,
          language: typeof claims.locale === 'string' && claims.locale.toLowerCase().startsWith('en') ? ('en' as const) : ('lt' as const),
          caseloadLimit: role === 'WORKER' ? DEFAULT_CASELOAD_LIMIT : null,
          createdAt: this.clock.now(),
          lastSignedInAt: null,
        }),
        manager,
      );
      await this.audit.record(manager, {
        actor: 'system:oidc',
        role: 'SYSTEM',
        municipality,
        action: 'user.created',
        objectType: 'user',
        objectId: user.id,
        details: { role, municipality, method: 'oidc' },
      });
      return user;
    });
  }

  private displayName(claims: IdTokenClaims): string {
    const name = typeof claims.name === 'string' ? claims.name : typeof claims.preferred_username === 'string' ? claims.preferred_username : claims.sub;
    return name.trim().slice(0, 200) || 'OpenID Connect user';
  }

  /** `oidc:<preferred_username or subject>`, or a hash of the subject when that is not a valid username. */
  private async freeUsername(claims: IdTokenClaims, manager: Parameters<UsersRepository['findByUsername']>[1]): Promise<string> {
    const base = typeof claims.preferred_username === 'string' ? claims.preferred_username : claims.sub;
    const readable = `oidc:${base}`;
    if (/^[A-Za-z0-9._@:-]{3,128}$/.test(readable) && !(await this.users.findByUsername(readable, manager))) return readable;
    return `oidc:${createHash('sha256').update(`${claims.iss}\n${claims.sub}`).digest('hex').slice(0, 32)}`;
  }

  private async recordFailure(user: UserEntity | null, reason: string): Promise<void> {
    await this.db.transaction(SYSTEM_SCOPE('auth'), (manager) =>
      this.audit.record(manager, signInFailedEntry(user, { reason, method: 'oidc' })),
    );
  }

  async discover(): Promise<Discovery> {
    const now = Date.now();
    if (!this.discovery || now - this.discovery.at > DISCOVERY_TTL_MS) {
      const issuer = trimSlash(this.settings.issuer);
      const value = (async () => {
        const response = await fetch(`${issuer}/.well-known/openid-configuration`, { signal: AbortSignal.timeout(10_000) });
        if (!response.ok) throw new DomainError(ErrorCode.DEPENDENCY_UNAVAILABLE, `The identity provider's discovery document answered ${response.status}`);
        const doc = (await response.json()) as Partial<Discovery>;
        for (const field of ['issuer', 'authorization_endpoint', 'token_endpoint', 'jwks_uri'] as const) {
          if (typeof doc[field] !== 'string') throw new DomainError(ErrorCode.DEPENDENCY_UNAVAILABLE, `The identity provider's discovery document has no ${field}`);
        }
        if (trimSlash(doc.issuer!) !== issuer) throw new DomainError(ErrorCode.DEPENDENCY_UNAVAILABLE, 'The discovery document names another issuer');
        return doc as Discovery;
      })();
      this.discovery = { value, at: now };
      value.catch(() => {
        this.discovery = null;
      });
    }
    return this.discovery.value;
  }

  /** The provider's signing key by id; the key set is fetched again once when a new id appears (rotation). */
  private async key(kid: string | undefined, discovery: Discovery): Promise<KeyObject> {
    const cached = this.keys.get(kid ?? '');
    if (cached) return cached;
    const response = await fetch(discovery.jwks_uri, { signal: AbortSignal.timeout(10_000) });
    if (!response.ok) throw new DomainError(ErrorCode.DEPENDENCY_UNAVAILABLE, `The identity provider's key set answered ${response.status}`);
    const { keys } = (await response.json()) as { keys?: Array<JsonWebKey & { kid?: string; use?: string }> };
    const signing = (keys ?? []).filter((k) => k.kty === 'RSA' && (k.use === undefined || k.use === 'sig'));
    this.keys = new Map(signing.map((k) => [k.kid ?? '', createPublicKey({ key: k, format: 'jwk' })]));
    const found = this.keys.get(kid ?? '') ?? (kid === undefined && signing.length === 1 ? [...this.keys.values()][0] : undefined);
    if (!found) throw oidcFailure('the id_token is signed with an unknown key');
    return found;
  }
}
