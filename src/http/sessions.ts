import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { holds, type Principal, type Role } from './auth.js';
import { HttpProblem } from './plugins/problem.js';
import type { AppDeps } from './types.js';

export const SESSION_COOKIE = 'gxg_session';

declare module 'fastify' {
  interface FastifyRequest {
    /** The review page's session (its CSRF token for the forms). */
    session?: { csrf: string };
  }
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** The path the review page lives under (publicBaseUrl's path + /review). */
export const reviewPath = (baseUrl: string) => `${new URL(baseUrl).pathname.replace(/\/+$/, '')}/review`;

/**
 * Sign-in sessions of the review page: a random id in an HttpOnly, SameSite=Lax cookie (Secure
 * over https), only its sha256 in the store (shared by instances), a CSRF token per session that
 * every form sends back.
 */
export function sessionsPlugin(app: FastifyInstance, deps: AppDeps): void {
  const path = reviewPath(deps.config.publicBaseUrl);
  app.decorate('sessionCheck', (role: Role) => async (request: FastifyRequest, reply: FastifyReply) => {
    const session = await readSession(deps, request);
    if (!session) {
      if (request.method === 'GET') return reply.redirect(`${path}/login`, 303);
      throw new HttpProblem(401, 'sign in first (your session has ended)');
    }
    if (!holds(session.principal, role))
      throw new HttpProblem(
        403,
        `this page is for the ${role} role; ${session.principal.name} has ${session.principal.roles.join(', ') || 'none'}`,
      );
    request.principal = session.principal;
    request.session = { csrf: session.csrf };
  });
  app.decorate('csrfCheck', async (request: FastifyRequest) => {
    if (request.method === 'GET' || request.method === 'HEAD') return;
    const sent = String((request.body as Record<string, unknown> | undefined)?.csrf ?? '');
    const a = Buffer.from(sent);
    const b = Buffer.from(request.session?.csrf ?? '');
    if (!b.length || a.length !== b.length || !timingSafeEqual(a, b))
      throw new HttpProblem(403, 'the form is not from this session (CSRF token missing or wrong): reload the page');
  });
}

/** What a session was made from: an API token of the store (checked again on each request) or an OIDC sign-in. */
interface SessionBasis {
  /** sha256 of the store token it was made with: revoking the token ends the session. */
  storeToken?: string;
  /** When the credentials it was made with expire (an OIDC access token's exp): the session ends then too. */
  until?: Date;
}

async function readSession(deps: AppDeps, request: FastifyRequest) {
  const id = request.cookies?.[SESSION_COOKIE];
  if (!id || !deps.service || !/^[A-Za-z0-9_-]{20,100}$/.test(id)) return undefined;
  const row = await deps.service.store.identities.getSession(sha256(id));
  if (!row) return undefined;
  const stored = JSON.parse(row.principal) as { principal: Principal; storeToken?: string };
  if (stored.storeToken && !(await deps.service.store.identities.tokenBySha256(stored.storeToken))) {
    await deps.service.store.identities.deleteSession(sha256(id));
    return undefined;
  }
  return { principal: stored.principal, csrf: row.csrf };
}

export async function startSession(
  deps: AppDeps,
  reply: FastifyReply,
  principal: Principal,
  basis: SessionBasis = {},
): Promise<void> {
  if (!deps.service) throw new HttpProblem(503, 'this gateway runs without a store: no sign-in');
  const id = randomBytes(32).toString('base64url');
  const minutes = deps.config.auth.sessionMinutes;
  const until = Math.min(Date.now() + minutes * 60_000, basis.until?.getTime() ?? Infinity);
  await deps.service.store.identities.createSession({
    id_sha256: sha256(id),
    principal: JSON.stringify({ principal, ...(basis.storeToken ? { storeToken: basis.storeToken } : {}) }),
    csrf: randomBytes(24).toString('base64url'),
    expires_at: new Date(until).toISOString(),
  });
  void reply.setCookie(SESSION_COOKIE, id, {
    path: reviewPath(deps.config.publicBaseUrl),
    httpOnly: true,
    sameSite: 'lax',
    secure: deps.config.publicBaseUrl.startsWith('https:'),
    maxAge: Math.max(1, Math.floor((until - Date.now()) / 1000)),
  });
}

export async function endSession(deps: AppDeps, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const id = request.cookies?.[SESSION_COOKIE];
  if (id && deps.service) await deps.service.store.identities.deleteSession(sha256(id));
  void reply.clearCookie(SESSION_COOKIE, { path: reviewPath(deps.config.publicBaseUrl) });
}
