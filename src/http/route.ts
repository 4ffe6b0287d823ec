import type { FastifyInstance, FastifyReply, FastifyRequest, RouteShorthandOptions } from 'fastify';
import { holds, ROLES, type Principal, type Role } from './auth.js';
import { operation, routeUrl, type OpenApiOperation } from './openapi.js';
import { HttpProblem } from './plugins/problem.js';
import { NO_BODY_LIMIT, type ServicePort } from './types.js';

/** Who may call an operation: its `security` in openapi.yaml (none: public; else a role via a scheme). */
export type Access =
  | { scheme: 'public' }
  | { scheme: 'bearer' | 'session'; role: Role }
  /** A webhook: the route checks the body's signature itself (X-Hook-Signature, a shared secret). */
  | { scheme: 'signature' };

export function accessOf(op: OpenApiOperation): Access {
  const security = op.spec.security as Record<string, string[]>[] | undefined;
  if (!Array.isArray(security))
    throw new Error(`openapi.yaml: ${op.operationId} must declare security ([] for public, or a role)`);
  if (security.length === 0) return { scheme: 'public' };
  const [req] = security;
  const [scheme, scopes] = Object.entries(req ?? {})[0] ?? [];
  if (security.length === 1 && scheme === 'netboxSignature' && scopes?.length === 0) return { scheme: 'signature' };
  const role = scopes?.[0] as Role | undefined;
  if (security.length !== 1 || (scheme !== 'bearer' && scheme !== 'session') || !role || !ROLES.includes(role))
    throw new Error(
      `openapi.yaml: ${op.operationId}: security must be [], one [{ bearer|session: [role] }] or [{ netboxSignature: [] }]`,
    );
  return { scheme, role };
}

/** Who may call an operation, for people: `public`, `officer (token)`, `officer (sign-in)`. */
export function accessLabel(op: OpenApiOperation): string {
  const a = accessOf(op);
  if (a.scheme === 'public') return 'public';
  if (a.scheme === 'signature') return 'NetBox (signed webhook)';
  return `${a.role} (${a.scheme === 'bearer' ? 'token' : 'sign-in'})`;
}

const refs = (schema: unknown): unknown =>
  JSON.parse(JSON.stringify(schema).replace(/"#\/components\/schemas\//g, '"openapi#/definitions/'));

/** The request schemas fastify validates with, from the operation's parameters and body. */
function requestSchema(op: OpenApiOperation): NonNullable<RouteShorthandOptions['schema']> {
  const params = (op.spec.parameters ?? []) as {
    name: string;
    in: string;
    required?: boolean;
    schema: unknown;
  }[];
  const group = (where: string) => {
    const ps = params.filter((p) => p.in === where);
    if (!ps.length) return undefined;
    return {
      type: 'object',
      additionalProperties: where === 'path',
      properties: Object.fromEntries(ps.map((p) => [p.name, refs(p.schema)])),
      required: ps.filter((p) => p.required).map((p) => p.name),
    };
  };
  // A raw body (a signed webhook) is checked by its route before it is parsed at all.
  const body = op.spec['x-raw-body']
    ? undefined
    : (op.spec.requestBody as { content?: Record<string, { schema: unknown }> } | undefined)?.content?.[
        'application/json'
      ]?.schema;
  const schema: Record<string, unknown> = {};
  const query = group('query');
  const path = group('path');
  if (query) schema.querystring = query;
  if (path && !op.spec['x-wildcard']) schema.params = path;
  if (body) schema.body = refs(body);
  return schema;
}

/** The service side, for the store-backed routes: 503 when the gateway runs the credential core only. */
export function servicePort(app: FastifyInstance): ServicePort {
  const service = app.gateway.service;
  if (!service) throw new HttpProblem(503, 'this gateway runs without a store (credential core only)');
  return service;
}

/** Who a guarded route's caller is, for the audit log (`token:<name>`, `oidc:<user>`, `admin`). */
export const actorOf = (request: FastifyRequest): string => request.principal?.name ?? 'unknown';

/** The bearer check: a valid API or OIDC token holding the role (401 without, 403 with too little). */
export function bearerCheck(app: FastifyInstance, role: Role) {
  return async (request: FastifyRequest): Promise<void> => {
    await app.authFailures.check(request);
    let principal: Principal;
    try {
      principal = await app.auth.fromHeader(request.headers.authorization);
    } catch (err) {
      // A token that does not hold is a guess; no token at all guesses nothing.
      if (err instanceof HttpProblem && err.status === 401 && request.headers.authorization)
        await app.authFailures.failed(request);
      throw err;
    }
    if (!holds(principal, role))
      throw new HttpProblem(
        403,
        `this needs the ${role} role; ${principal.name} has ${principal.roles.join(', ') || 'none'}`,
      );
    request.principal = principal;
  };
}

/**
 * Register the route of an openapi.yaml operation: method, path, request schemas and who may call
 * it all come from the spec; an operation without `security` is refused at start.
 */
export function specRoute(
  app: FastifyInstance,
  operationId: string,
  handler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>,
  opts: { bodyLimit?: number; url?: string; rateLimit?: boolean } = {},
): void {
  const op = operation(operationId);
  const access = accessOf(op);
  // Who is calling is settled first (onRequest), before the body is read or validated: a caller
  // without the role learns nothing about what the route takes. The session's CSRF token is in the
  // form body, so it is checked once the body is parsed.
  const onRequest =
    access.scheme === 'bearer'
      ? bearerCheck(app, access.role)
      : access.scheme === 'session'
        ? app.sessionCheck(access.role)
        : access.scheme === 'signature'
          ? // A sender that forged signatures too often this minute is refused before its body is read.
            (request: FastifyRequest) => app.authFailures.check(request)
          : opts.rateLimit !== false
            ? app.publicLimit
            : undefined;
  app.route({
    method: op.method as 'GET',
    url: opts.url ?? routeUrl(op),
    schema: requestSchema(op),
    bodyLimit: opts.bodyLimit ?? (op.spec.requestBody ? app.gateway.config.server.bodyLimitBytes : NO_BODY_LIMIT),
    ...(onRequest ? { onRequest } : {}),
    ...(access.scheme === 'session' ? { preHandler: app.csrfCheck } : {}),
    config: { access },
    handler,
  });
}
