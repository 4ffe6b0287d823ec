import type { FastifyInstance, FastifyRequest } from 'fastify';
import { HttpProblem } from '../plugins/problem.js';
import { servicePort, specRoute } from '../route.js';

/** The largest webhook body accepted: NetBox's default body is the object and its snapshots. */
export const HOOK_BODY_LIMIT = 256 * 1024;

const STATUS = { 'unknown-cloud': 404, unsigned: 401, forged: 401, malformed: 400, stale: 409, replayed: 409 } as const;

/**
 * Webhooks from the cloud's source of truth (NetBox event rules). The body is kept as bytes: its
 * signature is checked over exactly what was sent, before anything in it is parsed.
 */
export default async function hookRoutes(app: FastifyInstance): Promise<void> {
  // In this plugin only: every body is raw bytes (NetBox sends application/json by default, but a
  // webhook may name another content type; the signature decides, not the header).
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: HOOK_BODY_LIMIT }, (_request, body, done) =>
    done(null, body),
  );
  const cloudOf = (request: FastifyRequest) => (request.params as { cloud?: string }).cloud ?? '';
  // An oversized delivery is refused before the handler (413): counted like the others.
  app.addHook('onError', async (request, _reply, error) => {
    if ((error as { statusCode?: number }).statusCode !== 413) return;
    const cloud = cloudOf(request);
    const known = (app.gateway.config.clouds ?? []).some((c) => c.id === cloud);
    app.gateway.service?.metrics.hooks.inc({ cloud: known ? cloud : '(unknown)', outcome: 'oversized' });
  });

  specRoute(
    app,
    'netboxHook',
    async (request, reply) => {
      const service = servicePort(app);
      if (!service.netboxHook)
        throw new HttpProblem(404, 'no NetBox webhook is configured here (sources.netbox.webhook)');
      const body = Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
      const header = request.headers['x-hook-signature'];
      const outcome = await service.netboxHook(cloudOf(request), body, Array.isArray(header) ? header[0] : header);
      if (outcome.outcome === 'accepted') {
        reply.code(202);
        return {
          accepted: true,
          type: outcome.type,
          ...(outcome.resource ? { resource: outcome.resource } : {}),
          run: outcome.run,
        };
      }
      // A forged signature is a guess at the secret: counted against the sender's address.
      if (outcome.outcome === 'forged' || outcome.outcome === 'unsigned') await app.authFailures.failed(request);
      throw new HttpProblem(STATUS[outcome.outcome], outcome.detail);
    },
    { bodyLimit: HOOK_BODY_LIMIT },
  );
}
