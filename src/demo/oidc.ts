import { createHash, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { exportJWK, SignJWT, type JWK, type JWTPayload } from 'jose';
import { startFake, type FakeResponse, type FakeServer } from './http.js';

/**
 * A small OpenID Connect provider for the demo and the tests (OpenID Connect Discovery 1.0, RFC
 * 6749/7636 authorization code with PKCE S256, client credentials, RFC 7517 JWKS): it signs tokens
 * with its own RSA key, serves its discovery document and JWKS, and signs users in by a button per
 * demo user (no passwords: it is a fake). Tokens carry `roles` (array) and `preferred_username`.
 */
export interface DemoUser {
  username: string;
  roles: string[];
  name?: string;
}

export interface FakeOidcOptions {
  port?: number;
  /** Audience of the access tokens it issues (the gateway's auth.oidc.audience). */
  audience?: string;
  users?: DemoUser[];
  /** Confidential clients for the client credentials grant: id → secret and roles. */
  clients?: Record<string, { secret: string; roles: string[]; claims?: Record<string, unknown> }>;
  /** Service users for the password grant (Keycloak's direct access grants): name → password and claims. */
  serviceUsers?: Record<string, { password: string; claims?: Record<string, unknown> }>;
  tokenSeconds?: number;
}

export interface FakeOidc extends FakeServer {
  issuer: string;
  audience: string;
  users: DemoUser[];
  /** Sign any claims as this issuer (tests: expired, wrong audience…); `key: 'foreign'` signs with a key it does not publish. */
  issue(claims: JWTPayload, opts?: { key?: 'own' | 'foreign'; expiresIn?: number; issuedAt?: number }): Promise<string>;
  /** An access token for a demo user. */
  tokenFor(username: string): Promise<string>;
}

export const DEMO_USERS: DemoUser[] = [
  { username: 'alice', name: 'Alice (compliance officer)', roles: ['officer'] },
  { username: 'oscar', name: 'Oscar (operator)', roles: ['operator'] },
  { username: 'ada', name: 'Ada (administrator)', roles: ['admin'] },
  { username: 'rita', name: 'Rita (auditor, read only)', roles: ['reader'] },
];

const escape = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export async function startFakeOidc(opts: FakeOidcOptions = {}): Promise<FakeOidc> {
  const own = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const foreign = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = createHash('sha256')
    .update(own.publicKey.export({ format: 'der', type: 'spki' }))
    .digest('base64url')
    .slice(0, 16);
  const jwk: JWK = { ...(await exportJWK(own.publicKey)), kid, alg: 'RS256', use: 'sig' };
  const users = opts.users ?? DEMO_USERS;
  const audience = opts.audience ?? 'gx-gateway';
  const ttl = opts.tokenSeconds ?? 3600;
  const codes = new Map<
    string,
    { user: DemoUser; clientId: string; redirectUri: string; challenge: string; nonce?: string; expires: number }
  >();
  let issuer = '';

  const sign = (claims: JWTPayload, key: KeyObject, expiresIn = ttl, issuedAt?: number) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
      .setIssuedAt(issuedAt)
      .setExpirationTime(Math.floor(Date.now() / 1000) + expiresIn)
      .sign(key);
  const accessToken = (sub: string, roles: string[], extra: JWTPayload = {}) =>
    sign({ iss: issuer, aud: audience, sub, roles, scope: 'openid profile', ...extra }, own.privateKey);

  const fake = await startFake(
    async (req, url, body): Promise<FakeResponse | undefined> => {
      const path = url.pathname;
      if (req.method === 'GET' && path === '/.well-known/openid-configuration')
        return {
          json: {
            issuer,
            authorization_endpoint: `${issuer}/authorize`,
            token_endpoint: `${issuer}/token`,
            jwks_uri: `${issuer}/jwks`,
            response_types_supported: ['code'],
            grant_types_supported: ['authorization_code', 'client_credentials', 'password'],
            subject_types_supported: ['public'],
            id_token_signing_alg_values_supported: ['RS256'],
            code_challenge_methods_supported: ['S256'],
            token_endpoint_auth_methods_supported: ['none', 'client_secret_post', 'client_secret_basic'],
            scopes_supported: ['openid', 'profile'],
            claims_supported: ['sub', 'preferred_username', 'name', 'roles'],
          },
        };
      if (req.method === 'GET' && path === '/jwks') return { json: { keys: [jwk] } };
      if (path === '/authorize') {
        const p = req.method === 'POST' ? new URLSearchParams(body) : url.searchParams;
        const need = ['response_type', 'client_id', 'redirect_uri', 'state', 'code_challenge'];
        const missing = need.filter((n) => !p.get(n));
        if (missing.length || p.get('response_type') !== 'code' || p.get('code_challenge_method') !== 'S256')
          return {
            status: 400,
            json: {
              error: 'invalid_request',
              error_description: `need ${need.join(', ')} and code_challenge_method=S256`,
            },
          };
        if (req.method === 'GET') {
          const hidden = [...p]
            .map(([k, v]) => `<input type="hidden" name="${escape(k)}" value="${escape(v)}">`)
            .join('');
          const buttons = users
            .map(
              (u) =>
                `<button name="username" value="${escape(u.username)}">${escape(u.name ?? u.username)} <small>${escape(u.roles.join(', '))}</small></button>`,
            )
            .join('\n');
          return {
            headers: {
              'content-type': 'text/html; charset=utf-8',
              'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'",
            },
            text: `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Demo identity provider</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto}button{display:block;width:100%;margin:.4rem 0;padding:.6rem;font-size:1rem;text-align:left}small{color:#666}</style></head>
<body><h1>Demo identity provider</h1><p>Sign in to <strong>${escape(p.get('client_id')!)}</strong> as:</p>
<form method="post" action="/authorize">${hidden}${buttons}</form></body></html>`,
          };
        }
        const user = users.find((u) => u.username === p.get('username'));
        if (!user) return { status: 400, json: { error: 'access_denied', error_description: 'no such demo user' } };
        const code = randomBytes(24).toString('base64url');
        codes.set(code, {
          user,
          clientId: p.get('client_id')!,
          redirectUri: p.get('redirect_uri')!,
          challenge: p.get('code_challenge')!,
          ...(p.get('nonce') ? { nonce: p.get('nonce')! } : {}),
          expires: Date.now() + 60_000,
        });
        const back = new URL(p.get('redirect_uri')!);
        back.searchParams.set('code', code);
        back.searchParams.set('state', p.get('state')!);
        back.searchParams.set('iss', issuer);
        return { status: 302, headers: { location: back.toString() } };
      }
      if (req.method === 'POST' && path === '/token') {
        const p = new URLSearchParams(body);
        const basic = /^Basic (.+)$/.exec(req.headers.authorization ?? '');
        const [basicId, basicSecret] = basic
          ? Buffer.from(basic[1]!, 'base64').toString('utf8').split(':').map(decodeURIComponent)
          : [];
        const clientId = p.get('client_id') ?? basicId;
        const secret = p.get('client_secret') ?? basicSecret;
        const headers = { 'cache-control': 'no-store' };
        if (p.get('grant_type') === 'authorization_code') {
          const grant = codes.get(p.get('code') ?? '');
          codes.delete(p.get('code') ?? '');
          const verifier = p.get('code_verifier') ?? '';
          const challenge = createHash('sha256').update(verifier).digest('base64url');
          if (
            !grant ||
            grant.expires < Date.now() ||
            grant.clientId !== clientId ||
            grant.redirectUri !== p.get('redirect_uri')
          )
            return {
              status: 400,
              headers,
              json: { error: 'invalid_grant', error_description: 'unknown, used or expired code' },
            };
          if (challenge !== grant.challenge)
            return {
              status: 400,
              headers,
              json: { error: 'invalid_grant', error_description: 'PKCE verification failed' },
            };
          const u = grant.user;
          const profile = { preferred_username: u.username, name: u.name ?? u.username };
          return {
            headers,
            json: {
              token_type: 'Bearer',
              expires_in: ttl,
              access_token: await accessToken(u.username, u.roles, profile),
              id_token: await sign(
                {
                  iss: issuer,
                  aud: grant.clientId,
                  sub: u.username,
                  ...(grant.nonce ? { nonce: grant.nonce } : {}),
                  ...profile,
                  roles: u.roles,
                },
                own.privateKey,
              ),
              scope: 'openid profile',
            },
          };
        }
        if (p.get('grant_type') === 'client_credentials') {
          const client = clientId ? opts.clients?.[clientId] : undefined;
          if (!client || client.secret !== secret) return { status: 401, headers, json: { error: 'invalid_client' } };
          return {
            headers,
            json: {
              token_type: 'Bearer',
              expires_in: ttl,
              access_token: await accessToken(clientId!, client.roles, {
                preferred_username: clientId,
                ...client.claims,
              }),
            },
          };
        }
        if (p.get('grant_type') === 'password') {
          const client = clientId ? opts.clients?.[clientId] : undefined;
          if (!client || client.secret !== secret) return { status: 401, headers, json: { error: 'invalid_client' } };
          const name = p.get('username') ?? '';
          const user = opts.serviceUsers?.[name];
          if (!user || user.password !== p.get('password'))
            return {
              status: 401,
              headers,
              json: { error: 'invalid_grant', error_description: 'Invalid user credentials' },
            };
          return {
            headers,
            json: {
              token_type: 'Bearer',
              expires_in: ttl,
              access_token: await accessToken(name, [], { preferred_username: name, ...user.claims }),
            },
          };
        }
        return { status: 400, headers, json: { error: 'unsupported_grant_type' } };
      }
      return undefined;
    },
    { ...(opts.port !== undefined ? { port: opts.port } : {}) },
  );
  issuer = fake.url;
  return {
    ...fake,
    issuer,
    audience,
    users,
    issue: (claims, o = {}) =>
      sign(
        { iss: issuer, aud: audience, ...claims },
        o.key === 'foreign' ? foreign.privateKey : own.privateKey,
        o.expiresIn,
        o.issuedAt,
      ),
    tokenFor: (username) => {
      const u = users.find((x) => x.username === username);
      if (!u) throw new Error(`no demo user ${username}`);
      return accessToken(u.username, u.roles, { preferred_username: u.username });
    },
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const fake = await startFakeOidc({ port: Number(process.argv[2] ?? 0) });
  process.stdout.write(
    `fake OpenID Connect provider at ${fake.issuer}\nusers: ${fake.users.map((u) => `${u.username} (${u.roles.join(', ')})`).join(', ')}\n`,
  );
}
