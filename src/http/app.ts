import Fastify, { LogController, type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Socket } from 'node:net';
import { excerpt } from '../core/excerpt.js';
import { problemBody, problemPlugin, sendProblem } from './plugins/problem.js';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import { openapi } from './openapi.js';
import cookie from '@fastify/cookie';
import formbody from '@fastify/formbody';
import { Authenticator } from './auth.js';
import { sessionsPlugin } from './sessions.js';
import adminRoutes from './routes/admin.js';
import officerRoutes from './routes/officer.js';
import outboxRoutes from './routes/outbox.js';
import hookRoutes from './routes/hooks.js';
import reviewRoutes from './routes/review.js';
import didRoutes from './routes/did.js';
import opsRoutes from './routes/ops.js';
import publicRoutes from './routes/public.js';
import type { AppAuthFailures, AppDeps, RouteEntry } from './types.js';
import { HttpProblem } from './plugins/problem.js';

export type { AppDeps } from './types.js';

export interface AppOptions {
  logger?: FastifyServerOptions['logger'];
  /** A pino logger the gateway shares with its other services (instead of `logger`). */
  loggerInstance?: FastifyServerOptions['loggerInstance'];
  https?: { cert: string; key: string };
}

/** A raw problem+json answer for errors Node's HTTP parser raises before fastify sees a request. */
function clientErrorResponse(status: number, detail: string): string {
  const body = JSON.stringify(problemBody(status, detail));
  return `HTTP/1.1 ${status} ${status === 431 ? 'Request Header Fields Too Large' : status === 408 ? 'Request Timeout' : 'Bad Request'}\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

/**
 * Failed authentications per client: past `max` in a minute, every authenticated request of that
 * client is answered 429 until the minute is over, so tokens cannot be guessed at speed.
 */
function authFailureLimit(app: FastifyInstance, max: number): AppAuthFailures {
  const limit = app.createRateLimit({ max, timeWindow: 60_000 });
  return {
    async check(request) {
      const seen = await limit(request, { increment: false });
      if (!seen.isAllowed && seen.remaining === 0)
        throw new HttpProblem(429, 'too many failed authentications from this address: wait a minute', 'about:blank', {
          'retry-after': String(seen.ttlInSeconds),
        });
    },
    async failed(request) {
      await limit(request);
    },
  };
}

/** The gateway's HTTP app. Routes live under the path of publicBaseUrl and mirror openapi.yaml. */
export async function buildApp(deps: AppDeps, options: AppOptions = {}): Promise<FastifyInstance> {
  const { config } = deps;
  const server = config.server;
  const app = Fastify({
    ...(options.loggerInstance ? { loggerInstance: options.loggerInstance } : { logger: options.logger ?? false }),
    // One line per request at debug only: at info a busy gateway writes gigabytes of access log.
    logController: new LogController({ disableRequestLogging: true }),
    trustProxy: server.trustProxy,
    bodyLimit: server.bodyLimitBytes,
    connectionTimeout: server.connectionTimeoutMs,
    keepAliveTimeout: server.keepAliveTimeoutMs,
    requestTimeout: server.requestTimeoutMs,
    return503OnClosing: true,
    // Errors fastify raises before routing (a malformed URL): problem+json like every other.
    frameworkErrors(error: Error & { statusCode?: number }, request, reply) {
      return sendProblem(reply, request, error.statusCode ?? 400, excerpt(error.message, 200));
    },
    clientErrorHandler(err: NodeJS.ErrnoException, socket: Socket) {
      if (!socket.writable) return socket.destroy();
      const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
      socket.end(
        clientErrorResponse(
          status,
          status === 431
            ? 'the request headers are too large'
            : status === 408
              ? 'the request took too long to arrive'
              : 'malformed HTTP request',
        ),
      );
    },
    ...(options.https ? { https: options.https } : {}),
  } as FastifyServerOptions) as unknown as FastifyInstance;
  app.server.maxConnections = server.maxConnections;
  const httpMetric = deps.service?.metrics.http;
  app.addHook('onResponse', async (request, reply) => {
    request.log.debug(
      { method: request.method, url: request.url, status: reply.statusCode, ms: Math.round(reply.elapsedTime) },
      'request',
    );
    httpMetric?.observe(
      { method: request.method, route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });
  // openapi.yaml's components, for the request schemas routes take from it.
  app.addSchema({
    $id: 'openapi',
    definitions: JSON.parse(
      JSON.stringify(openapi().components?.schemas ?? {}).replace(/"#\/components\/schemas\//g, '"#/definitions/'),
    ) as object,
  });
  // Security headers on every answer (no CSP here: JSON documents; the docs page sets its own).
  await app.register(helmet, {
    contentSecurityPolicy: false,
    crossOriginResourcePolicy: { policy: 'cross-origin' },
    // HSTS only where the gateway is reached over https.
    strictTransportSecurity: config.publicBaseUrl.startsWith('https:') ? { maxAge: 31536000 } : false,
  });
  // Rate limits per client address: one budget for all public routes together
  // (api.rateLimitPerMinute), and one for failed authentications (api.authFailuresPerMinute).
  await app.register(rateLimit, { global: false });
  app.decorate('publicLimit', app.rateLimit({ max: config.api.rateLimitPerMinute, timeWindow: 60_000 }));
  app.decorate('authFailures', authFailureLimit(app, config.api.authFailuresPerMinute));
  problemPlugin(app);
  const table: RouteEntry[] = [];
  app.decorate('gatewayRoutes', table);
  app.decorate('gateway', deps);
  app.addHook('onRoute', (route) => {
    for (const method of ([] as string[]).concat(route.method))
      if (method !== 'HEAD') table.push({ method, url: route.url });
  });
  app.decorate('auth', new Authenticator(config, deps.service?.store.identities));
  await app.register(cookie);
  await app.register(formbody, { bodyLimit: 16384 });
  sessionsPlugin(app, deps);
  const prefix = new URL(config.publicBaseUrl).pathname.replace(/\/+$/, '');
  // Route plugins, each registered under the path of publicBaseUrl.
  void app.register(opsRoutes, { prefix });
  void app.register(didRoutes, { prefix });
  void app.register(publicRoutes, { prefix });
  void app.register(adminRoutes, { prefix });
  void app.register(officerRoutes, { prefix });
  void app.register(outboxRoutes, { prefix });
  void app.register(hookRoutes, { prefix });
  void app.register(reviewRoutes, { prefix });
  return app;
}
