import { createHash, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { exportJWK, SignJWT, type JWK, type JWTPayload } from 'jose';
import { errors, Provider, type Configuration, type KoaContextWithOIDC } from 'oidc-provider';
import { isLoopbackHost } from '../net/guard.js';
import type { Fault, FakeServer } from './http.js';

/**
 * The demo's and the tests' OpenID Connect provider: `oidc-provider` (a certified OpenID Connect
 * server), configured with the demo users and roles. Authorization code with PKCE S256 for the
 * review page (a public client, `gx-review`, any loopback redirect), client credentials for
 * confidential clients, and Keycloak's password grant for service users (a grant oidc-provider does
 * not ship: registered here). Access tokens are RFC 9068 JWTs (RS256, its own key) for the audience
 * given, carrying `roles` and `preferred_username` (and a client's or service user's own claims, such
 * as a catalogue's `resource_access`). Users sign in by a button each: no passwords, a demo.
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
  /**
   * Sign any claims with jose as this issuer would (tests: expired, wrong audience, forged…);
   * `key: 'foreign'` signs with a key it does not publish. Not a token the provider issued.
   */
  issue(claims: JWTPayload, opts?: { key?: 'own' | 'foreign'; expiresIn?: number; issuedAt?: number }): Promise<string>;
  /** An access token for a demo user, through the provider's own authorization code flow with PKCE. */
  tokenFor(username: string): Promise<string>;
}

export const DEMO_USERS: DemoUser[] = [
  { username: 'alice', name: 'Alice (compliance officer)', roles: ['officer'] },
  { username: 'oscar', name: 'Oscar (operator)', roles: ['operator'] },
  { username: 'ada', name: 'Ada (administrator)', roles: ['admin'] },
  { username: 'rita', name: 'Rita (auditor, read only)', roles: ['reader'] },
];

/** The public client of the review page. */
const REVIEW_CLIENT = 'gx-review';
/** The resource indicator the access tokens are for (their `aud` is the configured audience). */
const RESOURCE = 'urn:gx-gateway:api';
const SCOPE = 'openid profile';

const escape = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** What a demo user's tokens and profile say of them. */
const userClaims = (u: DemoUser) => ({ preferred_username: u.username, name: u.name ?? u.username, roles: u.roles });

async function readBody(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 64 * 1024) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

export async function startFakeOidc(opts: FakeOidcOptions = {}): Promise<FakeOidc> {
  const own = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const foreign = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = createHash('sha256')
    .update(own.publicKey.export({ format: 'der', type: 'spki' }))
    .digest('base64url')
    .slice(0, 16);
  const privateJwk: JWK = { ...(await exportJWK(own.privateKey)), kid, alg: 'RS256', use: 'sig' };
  const users = opts.users ?? DEMO_USERS;
  const audience = opts.audience ?? 'gx-gateway';
  const ttl = opts.tokenSeconds ?? 3600;
  const clients = opts.clients ?? {};
  const requests: FakeServer['requests'] = [];
  const faults: Fault[] = [];

  // The issuer names the port: listen first, then build the provider.
  let handle: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => {
    res.writeHead(503).end();
  };
  const server = createServer((req, res) => handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const sign = (claims: JWTPayload, key: KeyObject, expiresIn = ttl, issuedAt?: number) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
      .setIssuedAt(issuedAt)
      .setExpirationTime(Math.floor(Date.now() / 1000) + expiresIn)
      .sign(key);

  const configuration: Configuration = {
    clients: [
      {
        client_id: REVIEW_CLIENT,
        token_endpoint_auth_method: 'none',
        grant_types: ['authorization_code'],
        response_types: ['code'],
        redirect_uris: ['http://127.0.0.1/review/callback'],
      },
      ...Object.entries(clients).map(([id, c]) => ({
        client_id: id,
        client_secret: c.secret,
        token_endpoint_auth_method: 'client_secret_post' as const,
        grant_types: ['client_credentials', 'password'],
        response_types: [],
        redirect_uris: [],
      })),
    ],
    clientAuthMethods: ['none', 'client_secret_post', 'client_secret_basic'],
    jwks: { keys: [privateJwk as never] },
    routes: { authorization: '/authorize', token: '/token', jwks: '/jwks', userinfo: '/userinfo' },
    scopes: ['openid', 'profile'],
    claims: { openid: ['sub'], profile: ['preferred_username', 'name', 'roles'] },
    pkce: { required: () => true },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    ttl: {
      AccessToken: ttl,
      ClientCredentials: ttl,
      IdToken: 3600,
      AuthorizationCode: 60,
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
    },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      resourceIndicators: {
        enabled: true,
        defaultResource: () => RESOURCE,
        useGrantedResource: () => true,
        getResourceServerInfo: () => ({
          audience,
          scope: SCOPE,
          accessTokenFormat: 'jwt',
          accessTokenTTL: ttl,
          jwt: { sign: { alg: 'RS256' } },
        }),
      },
    },
    findAccount: (_ctx, id) => {
      const u = users.find((x) => x.username === id);
      return u
        ? {
            accountId: u.username,
            claims: () => ({ sub: u.username, ...userClaims(u) }),
          }
        : undefined;
    },
    // What the gateway and the catalogues read from an access token.
    extraTokenClaims: (_ctx, token) => {
      const t = token as { kind: string; accountId?: string; clientId?: string };
      if (t.kind === 'AccessToken' && t.accountId) {
        const u = users.find((x) => x.username === t.accountId);
        return u ? userClaims(u) : undefined;
      }
      if (t.kind === 'ClientCredentials' && t.clientId) {
        const c = clients[t.clientId];
        return c ? { roles: c.roles, preferred_username: t.clientId, ...c.claims } : undefined;
      }
      return undefined;
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    renderError: (ctx, out) => {
      ctx.type = 'application/json';
      ctx.body = out;
    },
  };
  const provider = new Provider(issuer, configuration);
  // The review page runs on any loopback port (tests, the demo): its callback path is what matters.
  const client = provider.Client.prototype as unknown as {
    clientId: string;
    redirectUriAllowed(this: { clientId: string }, uri: string): boolean;
  };
  const allowed = client.redirectUriAllowed;
  client.redirectUriAllowed = function (this: { clientId: string }, uri: string) {
    if (this.clientId !== REVIEW_CLIENT) return allowed.call(this, uri);
    try {
      const u = new URL(uri);
      return (
        (u.protocol === 'http:' || u.protocol === 'https:') &&
        isLoopbackHost(u.hostname) &&
        u.pathname.endsWith('/callback')
      );
    } catch {
      return false;
    }
  };
  // Keycloak's password grant (direct access grants) for service users: the client authenticates
  // as for any grant; the token is signed with the provider's key for the same audience.
  provider.registerGrantType(
    'password',
    async (ctx: KoaContextWithOIDC) => {
      const params = ctx.oidc.params as { username?: string; password?: string };
      const user = params.username ? opts.serviceUsers?.[params.username] : undefined;
      if (!user || user.password !== params.password) throw new errors.InvalidGrant('Invalid user credentials');
      const name = params.username!;
      ctx.set('cache-control', 'no-store');
      ctx.body = {
        token_type: 'Bearer',
        expires_in: ttl,
        access_token: await sign(
          {
            iss: issuer,
            aud: audience,
            sub: name,
            client_id: ctx.oidc.client!.clientId,
            preferred_username: name,
            roles: [],
            ...user.claims,
          },
          own.privateKey,
        ),
      };
    },
    ['username', 'password'],
  );
  const callback = provider.callback();

  const loginPage = (
    uid: string,
    clientId: string,
  ) => `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Demo identity provider</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:3rem auto}button{display:block;width:100%;margin:.4rem 0;padding:.6rem;font-size:1rem;text-align:left}small{color:#666}</style></head>
<body><h1>Demo identity provider</h1><p>Sign in to <strong>${escape(clientId)}</strong> as:</p>
<form method="post" action="/interaction/${escape(uid)}/login">${users
    .map(
      (u) =>
        `<button name="username" value="${escape(u.username)}">${escape(u.name ?? u.username)} <small>${escape(u.roles.join(', '))}</small></button>`,
    )
    .join('\n')}</form>
<p><small>oidc-provider, development only: a button per demo user, no passwords.</small></p></body></html>`;

  handle = (req, res) => {
    const url = new URL(req.url ?? '/', issuer);
    requests.push({ method: req.method ?? 'GET', path: url.pathname + url.search });
    const fault = faults.find((f) => f.path.test(url.pathname) && (f.times === undefined || f.times > 0));
    if (fault) {
      if (fault.times !== undefined) fault.times--;
      if (fault.hang) return;
      res.writeHead(fault.status ?? 503, { 'content-type': 'application/json' }).end('{"error":"fault"}');
      return;
    }
    const m = /^\/interaction\/([A-Za-z0-9_-]+)(\/login)?$/.exec(url.pathname);
    if (!m) {
      callback(req, res);
      return;
    }
    void (async () => {
      try {
        const details = await provider.interactionDetails(req, res);
        if (details.uid !== m[1]) throw new Error('interaction mismatch');
        if (!m[2]) {
          res
            .writeHead(200, {
              'content-type': 'text/html; charset=utf-8',
              'cache-control': 'no-store',
              'content-security-policy':
                "default-src 'none'; style-src 'unsafe-inline'; form-action 'self' http: https:",
            })
            .end(loginPage(details.uid, String(details.params.client_id)));
          return;
        }
        if (req.method !== 'POST') {
          res.writeHead(405).end();
          return;
        }
        const form = await readBody(req);
        const user = users.find((u) => u.username === form.get('username'));
        if (!user) {
          await provider.interactionFinished(req, res, {
            error: 'access_denied',
            error_description: 'no such demo user',
          });
          return;
        }
        // A demo: signing in grants what the review page asks for (no consent screen).
        const grant = new provider.Grant({ accountId: user.username, clientId: String(details.params.client_id) });
        grant.addOIDCScope(SCOPE);
        grant.addResourceScope(RESOURCE, SCOPE);
        const grantId = await grant.save();
        await provider.interactionFinished(
          req,
          res,
          { login: { accountId: user.username }, consent: { grantId } },
          { mergeWithLastSubmission: false },
        );
      } catch (err) {
        if (!res.headersSent)
          res
            .writeHead(400, { 'content-type': 'application/json' })
            .end(JSON.stringify({ error: 'invalid_request', error_description: (err as Error).message }));
      }
    })();
  };

  /** The authorization code flow with PKCE, as a browser would walk it (cookies kept, redirects by hand). */
  const tokenFor = async (username: string): Promise<string> => {
    if (!users.some((u) => u.username === username)) throw new Error(`no demo user ${username}`);
    const jar = new Map<string, string>();
    const keep = (r: Response) => {
      for (const c of r.headers.getSetCookie()) {
        const [pair] = c.split(';');
        const at = pair!.indexOf('=');
        jar.set(pair!.slice(0, at), pair!.slice(at + 1));
      }
    };
    const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    const verifier = randomBytes(32).toString('base64url');
    const redirectUri = 'http://127.0.0.1/review/callback';
    const start = new URL(`${issuer}/authorize`);
    for (const [k, v] of Object.entries({
      response_type: 'code',
      client_id: REVIEW_CLIENT,
      redirect_uri: redirectUri,
      scope: SCOPE,
      state: randomBytes(8).toString('hex'),
      code_challenge: createHash('sha256').update(verifier).digest('base64url'),
      code_challenge_method: 'S256',
    }))
      start.searchParams.set(k, v);
    let r = await fetch(start, { redirect: 'manual' });
    keep(r);
    let location = new URL(r.headers.get('location') ?? '', issuer);
    r = await fetch(`${location.href.replace(/\/$/, '')}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { cookie: cookie(), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ username }),
    });
    keep(r);
    // Back to the authorization endpoint (resume), then to the redirect URI with the code.
    for (let i = 0; i < 5 && !(r.headers.get('location') ?? '').startsWith(redirectUri); i++) {
      location = new URL(r.headers.get('location') ?? '', issuer);
      r = await fetch(location, { redirect: 'manual', headers: { cookie: cookie() } });
      keep(r);
    }
    const code = new URL(r.headers.get('location') ?? '', issuer).searchParams.get('code');
    if (!code) throw new Error(`no authorization code for ${username}: ${r.status} ${await r.text()}`);
    const t = await fetch(`${issuer}/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'authorization_code',
        code,
        redirect_uri: redirectUri,
        client_id: REVIEW_CLIENT,
        code_verifier: verifier,
      }),
    });
    const body = (await t.json()) as { access_token?: string; error_description?: string };
    if (!body.access_token) throw new Error(`no access token for ${username}: ${body.error_description}`);
    return body.access_token;
  };

  return {
    url: issuer,
    server,
    requests,
    faults,
    issuer,
    audience,
    users,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
    issue: (claims, o = {}) =>
      sign(
        { iss: issuer, aud: audience, ...claims },
        o.key === 'foreign' ? foreign.privateKey : own.privateKey,
        o.expiresIn,
        o.issuedAt,
      ),
    tokenFor,
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const fake = await startFakeOidc({ port: Number(process.argv[2] ?? 0) });
  process.stdout.write(
    `OpenID Connect provider (oidc-provider) at ${fake.issuer}\nusers: ${fake.users.map((u) => `${u.username} (${u.roles.join(', ')})`).join(', ')}\n`,
  );
}
