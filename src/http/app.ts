import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { CredentialService } from '../credentials/service.js';
import { problemPlugin } from './plugins/problem.js';
import { didRoutes } from './routes/did.js';
import { healthRoutes } from './routes/health.js';

export interface AppDeps {
  credentials: CredentialService;
}

export interface AppOptions {
  logger?: FastifyServerOptions['logger'];
  https?: { cert: string; key: string };
}

/** The gateway's HTTP app. Routes live under the path of publicBaseUrl and mirror openapi.yaml. */
export async function buildApp(deps: AppDeps, options: AppOptions = {}): Promise<FastifyInstance> {
  const { config } = deps.credentials.loaded;
  const app = Fastify({
    logger: options.logger ?? false,
    trustProxy: config.server.trustProxy,
    bodyLimit: config.server.bodyLimitBytes,
    ...(options.https ? { https: options.https } : {}),
  } as FastifyServerOptions) as unknown as FastifyInstance;
  problemPlugin(app);
  const prefix = new URL(config.publicBaseUrl).pathname.replace(/\/+$/, '');
  healthRoutes(app, deps, prefix);
  didRoutes(app, deps, prefix);
  await app.ready();
  return app;
}
