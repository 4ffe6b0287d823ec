import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { CredentialService } from '../credentials/service.js';
import { problemPlugin } from './plugins/problem.js';
import { didRoutes } from './routes/did.js';
import { healthRoutes } from './routes/health.js';

export interface AppDeps {
  credentials: CredentialService;
}

export interface RouteEntry {
  method: string;
  url: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route the app serves (for the OpenAPI conformance test and start-up logging). */
    gatewayRoutes: RouteEntry[];
  }
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
  const table: RouteEntry[] = [];
  app.decorate('gatewayRoutes', table);
  app.addHook('onRoute', (route) => {
    for (const method of ([] as string[]).concat(route.method)) if (method !== 'HEAD') table.push({ method, url: route.url });
  });
  const prefix = new URL(config.publicBaseUrl).pathname.replace(/\/+$/, '');
  // Routes are registered as a plugin, so they load at ready() like every other fastify plugin.
  void app.register(async (instance) => {
    healthRoutes(instance, deps, prefix);
    didRoutes(instance, deps, prefix);
  });
  return app;
}
