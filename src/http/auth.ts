import { createHash, timingSafeEqual } from 'node:crypto';
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload } from 'jose';
import { ROLE_NAMES } from '../approval/access.js';
import type { GatewayConfig } from '../config/schema.js';
import { httpsOrDevLoopback } from '../net/guard.js';
import { HttpProblem } from './plugins/problem.js';

export const ROLES = ROLE_NAMES;
export type Role = (typeof ROLES)[number];

/**
 * What each role may do besides its own: admin (keys, tokens, officers, configuration) and operator
 * (clouds, runs) may read; officer (approve, reject, sign, revoke) may read. An admin is not an
 * officer: who manages the gateway does not decide what the provider asserts.
 */
const IMPLIES: Record<Role, readonly Role[]> = {
  admin: ['admin', 'operator', 'reader'],
  operator: ['operator', 'reader'],
  officer: ['officer', 'reader'],
  reader: ['reader'],
};

export interface Principal {
  /** For the audit log: `token:<name>`, `oidc:<user>`. */
  name: string;
  roles: Role[];
}

export const holds = (p: Principal, role: Role): boolean => p.roles.some((r) => IMPLIES[r].includes(role));

/** Three dot-separated parts: a JWT of the identity provider; anything else: an API token. */
const isJwt = (token: string) => /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token);

const sha256hex = (s: string) => createHash('sha256').update(s).digest('hex');

/** Where API tokens created at run time are (the store). */
export interface TokenLookup {
  tokenBySha256(sha256: string): Promise<{ name: string; roles: string } | undefined>;
}

type OidcConfig = NonNullable<GatewayConfig['auth']['oidc']>;

const unauthorized = (detail: string, error?: 'invalid_token') =>
  new HttpProblem(401, detail, 'about:blank', {
    'www-authenticate': `Bearer realm="gx-gateway"${error ? `, error="${error}"` : ''}`,
  });

/**
 * Bearer JWTs of the configured OpenID Connect provider: signature against its JWKS (discovered,
 * fetched and cached by jose), issuer, audience, expiry; roles from a claim.
 */
export class OidcVerifier {
  private jwks: ReturnType<typeof createRemoteJWKSet> | undefined;
  private metadata: Promise<Record<string, unknown>> | undefined;

  constructor(readonly config: OidcConfig) {
    const url = new URL(config.issuer);
    if (!httpsOrDevLoopback(url, Boolean(config.allowHttp)))
      throw new Error(
        `auth.oidc.issuer ${config.issuer} must be https (http only on loopback with auth.oidc.allowHttp, for development)`,
      );
  }

  /** The provider's discovery document (cached; retried after a failure). */
  discovery(): Promise<Record<string, unknown>> {
    this.metadata ??= (async () => {
      const url = `${this.config.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
      const res = await fetch(url, { signal: AbortSignal.timeout(10_000), redirect: 'error' });
      if (!res.ok) throw new Error(`${url} answered ${res.status}`);
      const doc = (await res.json()) as Record<string, unknown>;
      if (doc.issuer !== this.config.issuer)
        throw new Error(`the discovery document names issuer ${String(doc.issuer)}, not ${this.config.issuer}`);
      return doc;
    })();
    this.metadata.catch(() => (this.metadata = undefined));
    return this.metadata;
  }

  async verify(jwt: string): Promise<Principal> {
    return this.principal(await this.claims(jwt));
  }

  /** The token's claims once it verifies (signature, issuer, audience, expiry, issued-at). */
  async claims(jwt: string): Promise<JWTPayload> {
    let payload: JWTPayload;
    try {
      if (!this.jwks) {
        const meta = await this.discovery();
        this.jwks = createRemoteJWKSet(new URL(String(meta.jwks_uri)), {
          timeoutDuration: 10_000,
          cooldownDuration: 30_000,
          cacheMaxAge: 10 * 60_000,
        });
      }
      ({ payload } = await jwtVerify(jwt, this.jwks, {
        issuer: this.config.issuer,
        audience: this.config.audience,
        algorithms: this.config.algorithms,
        clockTolerance: this.config.clockToleranceSeconds,
        requiredClaims: ['exp', 'sub'],
      }));
      // A token issued in the future (beyond the clock tolerance) was not made by a sane issuer now.
      if (typeof payload.iat === 'number' && payload.iat > Date.now() / 1000 + this.config.clockToleranceSeconds)
        throw unauthorized('the token is issued in the future (its iat claim)', 'invalid_token');
    } catch (err) {
      if (err instanceof HttpProblem) throw err;
      if (err instanceof joseErrors.JWTExpired) throw unauthorized('the token has expired', 'invalid_token');
      if (err instanceof joseErrors.JWTClaimValidationFailed)
        throw unauthorized(`the token's ${err.claim} claim is not accepted (${err.reason})`, 'invalid_token');
      if (err instanceof joseErrors.JWKSNoMatchingKey)
        throw unauthorized('the token is signed with a key the identity provider does not publish', 'invalid_token');
      if (err instanceof joseErrors.JOSEError)
        throw unauthorized(`the token is not valid (${err.code})`, 'invalid_token');
      throw new HttpProblem(
        503,
        `the identity provider cannot be reached to check the token: ${(err as Error).message}`,
      );
    }
    return payload;
  }

  /** Roles from the configured claim (mapped), the name from the name claim. */
  principal(claims: JWTPayload): Principal {
    const path = this.config.rolesClaim.split('.');
    let value: unknown = claims;
    for (const p of path) value = (value as Record<string, unknown> | undefined)?.[p];
    const raw = typeof value === 'string' ? value.split(/\s+/) : Array.isArray(value) ? value.map(String) : [];
    // Own keys only: a claim of `__proto__` or `constructor` names no role (not Object.prototype).
    const map = new Map(Object.entries((this.config.roleMap ?? {}) as Record<string, string>));
    const isRole = (r: unknown): r is Role => typeof r === 'string' && (ROLES as readonly string[]).includes(r);
    const roles = [...new Set(raw.map((r) => (map.has(r) ? map.get(r) : r)))].filter(isRole);
    const name = String(claims[this.config.nameClaim] ?? claims.sub);
    return { name: `oidc:${name}`, roles };
  }
}

/** Who is calling: an API token (configured or in the store) or an OIDC bearer JWT. */
export class Authenticator {
  readonly oidc: OidcVerifier | undefined;
  private readonly configured: { sha256: Buffer; name: string; roles: Role[] }[];

  constructor(
    config: GatewayConfig,
    private readonly tokens?: TokenLookup,
  ) {
    this.oidc = config.auth.oidc ? new OidcVerifier(config.auth.oidc) : undefined;
    this.configured = [
      ...(config.api.adminTokenSha256
        ? [{ sha256: Buffer.from(config.api.adminTokenSha256, 'hex'), name: 'admin', roles: ['admin' as Role] }]
        : []),
      ...config.api.tokens.map((t) => ({
        sha256: Buffer.from(t.sha256, 'hex'),
        name: t.name,
        roles: t.roles as Role[],
      })),
    ];
  }

  /** The caller of a request with `Authorization: Bearer …`; 401 without one or with a bad one. */
  async fromHeader(authorization: string | undefined): Promise<Principal> {
    const m = /^Bearer ([A-Za-z0-9._~+/=-]{16,8192})$/.exec(authorization ?? '');
    if (!m) throw unauthorized('send an API token or an OIDC access token as `Authorization: Bearer <token>`');
    return this.fromToken(m[1]!);
  }

  /**
   * A review-page session's basis from a pasted token: who, and what ends the session besides its
   * own lifetime (an OIDC token's expiry; a store token's revocation, by its sha256).
   */
  async forSession(token: string): Promise<{ principal: Principal; until?: Date; storeToken?: string }> {
    if (isJwt(token) && this.oidc) {
      const claims = await this.oidc.claims(token);
      return { principal: this.oidc.principal(claims), until: new Date(claims.exp! * 1000) };
    }
    const principal = await this.fromToken(token);
    const sha = sha256hex(token);
    return (await this.tokens?.tokenBySha256(sha)) ? { principal, storeToken: sha } : { principal };
  }

  async fromToken(token: string): Promise<Principal> {
    // Three dot-separated parts: a JWT of the identity provider; anything else: an API token.
    if (isJwt(token)) {
      if (!this.oidc)
        throw unauthorized('this gateway accepts no OIDC tokens (auth.oidc is not configured)', 'invalid_token');
      return this.oidc.verify(token);
    }
    const digest = createHash('sha256').update(token).digest();
    for (const t of this.configured)
      if (timingSafeEqual(digest, t.sha256))
        return { name: t.name === 'admin' ? 'admin' : `token:${t.name}`, roles: t.roles };
    const row = await this.tokens?.tokenBySha256(sha256hex(token));
    if (row) return { name: `token:${row.name}`, roles: JSON.parse(row.roles) as Role[] };
    throw unauthorized('the token is not valid (unknown or revoked)', 'invalid_token');
  }
}
