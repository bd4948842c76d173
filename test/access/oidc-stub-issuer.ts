import { KeyObject, createHash, createHmac, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { Server, createServer } from 'node:http';
import { AddressInfo } from 'node:net';

interface IssuedCode {
  readonly clientId: string;
  readonly redirectUri: string;
  readonly nonce: string;
  readonly challenge: string;
  readonly claims: Record<string, unknown>;
}

/**
 * A minimal OpenID Connect provider on 127.0.0.1 for tests: discovery, an authorize endpoint that signs in
 * whoever `claims` describes at once, a token endpoint that checks the client secret, redirect URI and PKCE
 * verifier, and a key set. id_tokens are RS256 JWTs signed with a key generated per run.
 */
type KeyPair = ReturnType<typeof generateKeyPairSync>;

export class OidcStubIssuer {
  private server: Server | null = null;
  private key: KeyPair = generateKeyPairSync('rsa', { modulusLength: 2048 });
  kid = randomBytes(8).toString('hex');
  /** Keys still published beside the current one (a rotation that keeps the old key for a while). */
  private retired: Array<{ key: KeyPair; kid: string }> = [];
  private readonly codes = new Map<string, IssuedCode>();
  issuer = '';
  /** Who signs in next. */
  claims: Record<string, unknown> = {};
  /** Sign with another key than the published one (a forged token). */
  signWith: KeyObject | null = null;
  /** Name this key id in the id_token's header instead of the current one. */
  kidOverride: string | null = null;
  /** Answer with this nonce instead of the one asked for (a replayed token). */
  nonceOverride: string | null = null;
  /** Claims laid over the ones the stub would put in the id_token (aud, exp, iat...): a bad token. */
  tokenClaimsOverride: Record<string, unknown> = {};
  /**
   * How the id_token is signed: RS256 with the published key; `none` (unsigned); HS256 keyed with the
   * client secret or with the published public key's PEM (the classic algorithm-confusion forgeries).
   */
  signing: 'RS256' | 'none' | 'HS256-client-secret' | 'HS256-public-key' = 'RS256';
  tokenRequests = 0;
  jwksRequests = 0;

  constructor(
    readonly clientId: string,
    readonly clientSecret: string,
  ) {}

  async start(): Promise<string> {
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', this.issuer);
      const json = (status: number, body: unknown) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(body));
      };
      if (url.pathname === '/.well-known/openid-configuration') {
        return json(200, {
          issuer: this.issuer,
          authorization_endpoint: `${this.issuer}/authorize`,
          token_endpoint: `${this.issuer}/token`,
          jwks_uri: `${this.issuer}/jwks`,
          response_types_supported: ['code'],
          code_challenge_methods_supported: ['S256'],
          id_token_signing_alg_values_supported: ['RS256'],
        });
      }
      if (url.pathname === '/jwks') {
        this.jwksRequests += 1;
        const published = [{ key: this.key, kid: this.kid }, ...this.retired];
        return json(200, { keys: published.map((k) => ({ ...k.key.publicKey.export({ format: 'jwk' }), kid: k.kid, use: 'sig', alg: 'RS256' })) });
      }
      if (url.pathname === '/authorize') {
        const q = url.searchParams;
        if (q.get('response_type') !== 'code' || q.get('code_challenge_method') !== 'S256' || q.get('client_id') !== this.clientId) return json(400, { error: 'invalid_request' });
        const code = randomBytes(16).toString('hex');
        this.codes.set(code, { clientId: q.get('client_id')!, redirectUri: q.get('redirect_uri')!, nonce: q.get('nonce')!, challenge: q.get('code_challenge')!, claims: this.claims });
        const back = new URL(q.get('redirect_uri')!);
        back.searchParams.set('code', code);
        back.searchParams.set('state', q.get('state')!);
        res.writeHead(302, { location: back.toString() });
        return res.end();
      }
      if (url.pathname === '/token' && req.method === 'POST') {
        let body = '';
        req.on('data', (chunk: Buffer) => (body += chunk.toString()));
        req.on('end', () => {
          this.tokenRequests += 1;
          const form = new URLSearchParams(body);
          // RFC 6749 2.3.1: id and secret are each form-urlencoded before they are joined and base64-encoded.
          const [id, secret] = Buffer.from((req.headers.authorization ?? '').replace(/^Basic /, ''), 'base64')
            .toString()
            .split(':')
            .map((part) => decodeURIComponent(part.replace(/\+/g, ' ')));
          if (id !== this.clientId || secret !== this.clientSecret) return json(401, { error: 'invalid_client' });
          const issued = this.codes.get(form.get('code') ?? '');
          this.codes.delete(form.get('code') ?? '');
          if (!issued || form.get('grant_type') !== 'authorization_code' || form.get('redirect_uri') !== issued.redirectUri) return json(400, { error: 'invalid_grant' });
          const challenge = createHash('sha256').update(form.get('code_verifier') ?? '').digest('base64url');
          if (challenge !== issued.challenge) return json(400, { error: 'invalid_grant', error_description: 'PKCE verifier does not match' });
          const now = Math.floor(Date.now() / 1000);
          const idToken = this.idToken({ iss: this.issuer, aud: issued.clientId, iat: now, exp: now + 300, nonce: this.nonceOverride ?? issued.nonce, ...issued.claims, ...this.tokenClaimsOverride });
          return json(200, { access_token: randomBytes(16).toString('hex'), token_type: 'Bearer', expires_in: 300, id_token: idToken });
        });
        return;
      }
      json(404, { error: 'not_found' });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.issuer = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.issuer;
  }

  idToken(claims: Record<string, unknown>): string {
    const alg = this.signing === 'RS256' ? 'RS256' : this.signing === 'none' ? 'none' : 'HS256';
    const header = Buffer.from(JSON.stringify({ alg, typ: 'JWT', kid: this.kidOverride ?? this.kid })).toString('base64url');
    const payload = Buffer.from(JSON.stringify(claims)).toString('base64url');
    const input = `${header}.${payload}`;
    const signature =
      this.signing === 'RS256'
        ? sign('RSA-SHA256', Buffer.from(input), this.signWith ?? this.key.privateKey)
        : this.signing === 'none'
          ? Buffer.alloc(0)
          : createHmac('sha256', this.signing === 'HS256-client-secret' ? this.clientSecret : (this.key.publicKey.export({ format: 'pem', type: 'spki' }) as string))
              .update(input)
              .digest();
    return `${input}.${signature.toString('base64url')}`;
  }

  /** A new signing key under a new kid; the old key stays published only when `keepOld`. Returns the old one. */
  rotate(keepOld: boolean): { privateKey: KeyObject; kid: string } {
    const old = { privateKey: this.key.privateKey, kid: this.kid };
    this.retired = keepOld ? [{ key: this.key, kid: this.kid }] : [];
    this.key = generateKeyPairSync('rsa', { modulusLength: 2048 });
    this.kid = randomBytes(8).toString('hex');
    return old;
  }

  async stop(): Promise<void> {
    // openid-client's fetch keeps connections alive: end them, or close() waits for their idle timeout.
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}
