import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteShorthandOptions } from 'fastify';
import { operation, routeUrl, type OpenApiOperation } from './openapi.js';
import { HttpProblem } from './plugins/problem.js';
import { NO_BODY_LIMIT, type ServicePort } from './types.js';

/** Who may call an operation: its `x-gateway-access` in openapi.yaml. */
export type Access = 'public' | 'admin';

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
  const body = (op.spec.requestBody as { content?: Record<string, { schema: unknown }> } | undefined)?.content?.[
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

/** The admin token check: `Authorization: Bearer <token>` whose sha256 is configured. */
export function adminCheck(tokenSha256: string | undefined) {
  const expected = tokenSha256 ? Buffer.from(tokenSha256, 'hex') : undefined;
  return async (request: FastifyRequest): Promise<void> => {
    const challenge = { 'www-authenticate': 'Bearer realm="gx-gateway"' };
    if (!expected)
      throw new HttpProblem(
        401,
        'the operator API is off: configure api.adminTokenSha256 (see `gx-gateway token`)',
        'about:blank',
        challenge,
      );
    const m = /^Bearer ([A-Za-z0-9._~+/=-]{16,512})$/.exec(request.headers.authorization ?? '');
    if (!m)
      throw new HttpProblem(
        401,
        'send the operator token as `Authorization: Bearer <token>`',
        'about:blank',
        challenge,
      );
    const got = createHash('sha256').update(m[1]!).digest();
    if (!timingSafeEqual(got, expected))
      throw new HttpProblem(401, 'the token is not valid', 'about:blank', {
        'www-authenticate': 'Bearer realm="gx-gateway", error="invalid_token"',
      });
  };
}

/**
 * Register the route of an openapi.yaml operation: method, path, request schemas and who may call
 * it all come from the spec; an operation without `x-gateway-access` is refused at start.
 */
export function specRoute(
  app: FastifyInstance,
  operationId: string,
  handler: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>,
  opts: { bodyLimit?: number; url?: string; rateLimit?: boolean } = {},
): void {
  const op = operation(operationId);
  const access = op.spec['x-gateway-access'] as Access | undefined;
  if (access !== 'public' && access !== 'admin')
    throw new Error(`openapi.yaml: ${operationId} must declare x-gateway-access (public or admin)`);
  const guard = access === 'admin' ? adminCheck(app.gateway.config.api.adminTokenSha256) : undefined;
  app.route({
    method: op.method as 'GET',
    url: opts.url ?? routeUrl(op),
    schema: requestSchema(op),
    bodyLimit: opts.bodyLimit ?? (op.spec.requestBody ? app.gateway.config.server.bodyLimitBytes : NO_BODY_LIMIT),
    ...(guard ? { preHandler: guard } : {}),
    config: {
      access,
      ...(access === 'public' && opts.rateLimit !== false
        ? { rateLimit: { max: app.gateway.config.api.rateLimitPerMinute, timeWindow: 60_000 } }
        : {}),
    },
    handler,
  });
}
