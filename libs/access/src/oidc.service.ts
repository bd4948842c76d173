import { Inject, Injectable } from '@nestjs/common';
import { AuditService } from '@tiltas/audit';
import { Clock, DomainError, ErrorCode } from '@tiltas/common';
import { APP_CONFIG, AppConfig } from '@tiltas/config';
import { DatabaseService, SYSTEM_SCOPE } from '@tiltas/database';
import { Redis } from 'ioredis';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import * as oidc from 'openid-client';
import { ACCESS_REDIS } from './access-redis';
import { AuthService, SignedIn, signInFailedEntry } from './auth.service';
import { Role, isRole, roleMunicipalityProblem } from './roles';
import { UserEntity } from './user.entity';
import { DEFAULT_CASELOAD_LIMIT } from './users.service';
import { UsersRepository } from './users.repository';

interface PendingLogin {
  readonly nonce: string;
  readonly verifier: string;
  readonly next: string;
}

export interface IdTokenClaims {
  readonly iss: string;
  readonly sub: string;
  readonly [claim: string]: unknown;
}

const LOGIN_TTL_MS = 10 * 60_000;
/** Seconds of clock difference tolerated between Tiltas and the provider on exp, iat and nbf. */
const CLOCK_TOLERANCE_S = 60;
const DISCOVERY_TTL_MS = 60 * 60_000;
const REQUEST_TIMEOUT_S = 10;

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

interface ErrorLink {
  readonly message: string;
  readonly code?: unknown;
  readonly claim?: unknown;
  readonly status?: unknown;
  readonly error?: unknown;
}

/** openid-client wraps oauth4webapi's errors, which wrap their own cause: the useful facts are spread along the chain. */
function errorChain(err: unknown): ErrorLink[] {
  const links: ErrorLink[] = [];
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth += 1) {
    const c = current as Record<string, unknown>;
    links.push({ message: typeof c.message === 'string' ? c.message : '', code: c.code, claim: c.claim, status: c.status, error: c.error });
    current = c.cause;
  }
  return links;
}

/**
 * What went wrong with the provider's answer, in words an administrator can act on. A provider that
 * cannot be reached is a dependency failure (503); an answer that does not check out is a failed sign-in.
 */
export function describeOidcError(err: unknown): DomainError {
  if (err instanceof DomainError) return err;
  const chain = errorChain(err);
  const has = (pattern: RegExp) => chain.some((l) => pattern.test(l.message));
  const claim = chain.map((l) => l.claim).find((c): c is string => typeof c === 'string');
  const code = chain.map((l) => l.code).find((c): c is string => typeof c === 'string' && c.startsWith('OAUTH_'));
  const body = chain.find((l) => typeof l.status === 'number');
  if (body) return oidcFailure(`the token endpoint answered ${String(body.status)}${typeof body.error === 'string' ? ` (${body.error.slice(0, 100)})` : ''}`);
  if (code === 'OAUTH_JWT_TIMESTAMP_CHECK_FAILED') {
    if (claim === 'exp') return oidcFailure('the id_token has expired');
    if (claim === 'iat') return oidcFailure('the id_token was issued too long ago or in the future');
    return oidcFailure('the id_token is not valid yet');
  }
  if (code === 'OAUTH_JWT_CLAIM_COMPARISON_FAILED') {
    if (claim === 'nonce') return oidcFailure('the id_token does not answer this sign-in (nonce)');
    if (claim === 'aud' || claim === 'azp') return oidcFailure('the id_token is for another client (audience)');
    if (claim === 'iss') return oidcFailure('the id_token comes from another issuer');
    return oidcFailure(`the id_token's ${claim ?? 'claims'} do not match this sign-in`);
  }
  if (has(/signature verification failed/)) return oidcFailure('the id_token signature does not verify');
  if (has(/"alg"|unsupported JWS|unsupported operation/)) return oidcFailure('the id_token is not signed with the algorithm the provider announces (RS256)');
  if (code === 'OAUTH_KEY_SELECTION_FAILED') return oidcFailure('the id_token is signed with an unknown key');
  if (has(/"state"/)) return oidcFailure('the answer does not belong to this sign-in (state)');
  if (has(/ID Token|id_token|JWT/)) return oidcFailure('the id_token is not acceptable');
  if (code === 'OAUTH_TIMEOUT' || code === 'OAUTH_ABORT' || has(/fetch failed|ECONNREFUSED|ENOTFOUND|timed out|unexpected HTTP response status code|unexpected response content-type/)) {
    return new DomainError(ErrorCode.DEPENDENCY_UNAVAILABLE, 'The identity provider cannot be reached or answered out of protocol; try again later.');
  }
  return oidcFailure(`the identity provider's answer was refused (${code ?? 'unexpected error'})`);
}

/**
 * OpenID Connect sign-in for municipalities with their own identity provider, by openid-client: the
 * authorization-code flow with PKCE (S256), a state and a nonce held in Redis for ten minutes and used once,
 * the id_token's signature checked against the provider's published keys (RS256 unless the provider's
 * discovery document announces otherwise; never `none` nor a client-secret HMAC), issuer, audience,
 * authorized party, expiry and nonce checked by the library. The provider is authoritative for role and
 * municipality: they are taken from the configured claims at every sign-in.
 */
@Injectable()
export class OidcService {
  private configuration: { value: Promise<oidc.Configuration>; at: number } | null = null;

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
    const settings = this.config.auth.oidc;
    if (!settings) throw DomainError.notFound('OpenID Connect sign-in');
    return settings;
  }

  get redirectUri(): string {
    return `${trimSlash(this.config.http.publicUrl)}/auth/oidc/callback`;
  }

  private pendingKey(state: string): string {
    return `${this.config.redis.prefix}:oidc-login:${state}`;
  }

  /** Where to send the browser to sign in at the provider. */
  async beginLogin(next?: string): Promise<string> {
    const configuration = await this.discover();
    const state = randomBytes(24).toString('base64url');
    const pending: PendingLogin = { nonce: randomBytes(24).toString('base64url'), verifier: oidc.randomPKCECodeVerifier(), next: safeNext(next) };
    await this.redis.set(this.pendingKey(state), JSON.stringify(pending), 'PX', LOGIN_TTL_MS);
    return oidc
      .buildAuthorizationUrl(configuration, {
        redirect_uri: this.redirectUri,
        scope: 'openid profile',
        state,
        nonce: pending.nonce,
        code_challenge: await oidc.calculatePKCECodeChallenge(pending.verifier),
        code_challenge_method: 'S256',
      })
      .toString();
  }

  /** Completes the flow the provider redirected back with, and signs the user in. */
  async complete(params: { code?: string; state?: string; error?: string; iss?: string }): Promise<SignedIn & { next: string }> {
    if (params.error) throw oidcFailure(`the identity provider answered ${params.error.slice(0, 100)}`);
    if (!params.code || !params.state) throw oidcFailure('the answer has no code or state');
    const raw = await this.redis.getdel(this.pendingKey(params.state));
    if (!raw) throw oidcFailure('the sign-in took too long or was already used; start again');
    const pending = JSON.parse(raw) as PendingLogin;
    const configuration = await this.discover();
    const callback = new URL(this.redirectUri);
    callback.searchParams.set('code', params.code);
    callback.searchParams.set('state', params.state);
    if (params.iss) callback.searchParams.set('iss', params.iss);
    let claims: IdTokenClaims;
    try {
      const tokens = await oidc.authorizationCodeGrant(configuration, callback, {
        pkceCodeVerifier: pending.verifier,
        expectedState: params.state,
        expectedNonce: pending.nonce,
        idTokenExpected: true,
      });
      const idClaims = tokens.claims();
      if (!idClaims) throw oidcFailure('the token endpoint returned no id_token');
      claims = idClaims as IdTokenClaims;
    } catch (err) {
      const failure = describeOidcError(err);
      if (failure.code === ErrorCode.UNAUTHENTICATED) await this.recordFailure(null, 'oidc_token');
      throw failure;
    }
    const user = await this.userFor(claims, configuration.serverMetadata().issuer);
    return { ...(await this.auth.startSession(user, 'oidc')), next: pending.next };
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

  /**
   * The provider's configuration, discovered once an hour. openid-client keeps its key set with it:
   * fetched on first use, refreshed after five minutes, and fetched again when an id_token names a key id
   * it does not hold once the set is a minute old (rotation), so a forged kid cannot make Tiltas hammer
   * the provider.
   */
  private discover(): Promise<oidc.Configuration> {
    const now = Date.now();
    if (!this.configuration || now - this.configuration.at > DISCOVERY_TTL_MS) {
      const settings = this.settings;
      const issuer = new URL(settings.issuer);
      const value = oidc
        .discovery(
          issuer,
          settings.clientId,
          { [oidc.clockTolerance]: CLOCK_TOLERANCE_S },
          oidc.ClientSecretBasic(settings.clientSecret),
          {
            // Left to itself the library trusts an id_token from the token endpoint on the strength of TLS
            // alone (OIDC Core 3.1.3.7). Tiltas checks its signature against the published keys as well:
            // a TLS-terminating proxy or a mis-issued certificate must not be enough to mint a session.
            // libs/config allows a plain-http issuer outside production only (a provider on the same host).
            execute: [oidc.enableNonRepudiationChecks, ...(issuer.protocol === 'http:' ? [oidc.allowInsecureRequests] : [])],
            timeout: REQUEST_TIMEOUT_S,
          },
        )
        .catch((err: unknown) => {
          const message = errorChain(err).map((l) => l.message).filter(Boolean).slice(0, 2).join(': ');
          throw new DomainError(ErrorCode.DEPENDENCY_UNAVAILABLE, `The identity provider's discovery document cannot be used: ${message.slice(0, 200)}`);
        });
      this.configuration = { value, at: now };
      value.catch(() => {
        this.configuration = null;
      });
    }
    return this.configuration.value;
  }
}
