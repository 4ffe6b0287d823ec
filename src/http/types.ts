import type { CredentialService } from '../app/credential-service.js';
import type { GatewayConfig } from '../config/schema.js';

/** What the routes use: the configuration and the services, decorated on the Fastify instance. */
export interface AppDeps {
  config: GatewayConfig;
  credentials: CredentialService;
}

export interface RouteEntry {
  method: string;
  url: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** The gateway's services (decorator): routes read them here, never import the app. */
    gateway: AppDeps;
    /** Every route the app serves (for the OpenAPI conformance test and start-up logging). */
    gatewayRoutes: RouteEntry[];
  }
}

/** Routes that take no request body refuse one larger than this (every route so far). */
export const NO_BODY_LIMIT = 1024;
