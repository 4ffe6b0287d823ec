import type { FastifyInstance } from 'fastify';
import { packageVersion } from '../../paths.js';
import type { AppDeps } from '../app.js';
import { fastifyPath, operation } from '../openapi.js';

export function healthRoutes(app: FastifyInstance, deps: AppDeps, prefix: string): void {
  const op = operation('getHealth');
  app.route({
    method: 'GET',
    url: prefix + fastifyPath(op.path),
    handler: async () => ({ status: 'ok', version: packageVersion, did: deps.credentials.did }),
  });
}
