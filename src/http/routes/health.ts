import type { FastifyInstance } from 'fastify';
import { packageVersion } from '../../paths.js';
import { NO_BODY_LIMIT, type AppDeps } from '../app.js';
import { fastifyPath, operation } from '../openapi.js';

export function healthRoutes(app: FastifyInstance, deps: AppDeps, prefix: string): void {
  const op = operation('getHealth');
  app.route({
    method: 'GET',
    url: prefix + fastifyPath(op.path),
    bodyLimit: NO_BODY_LIMIT,
    handler: async () => ({ status: 'ok', version: packageVersion, did: deps.credentials.did }),
  });
}
