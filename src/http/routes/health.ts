import type { FastifyInstance } from 'fastify';
import { packageVersion } from '../../paths.js';
import { fastifyPath, operation } from '../openapi.js';
import { NO_BODY_LIMIT } from '../types.js';

/** GET /health: liveness and identity (public). */
export default async function healthRoutes(app: FastifyInstance): Promise<void> {
  const op = operation('getHealth');
  app.route({
    method: 'GET',
    url: fastifyPath(op.path),
    bodyLimit: NO_BODY_LIMIT,
    handler: async () => ({ status: 'ok', version: packageVersion, did: app.gateway.credentials.did }),
  });
}
