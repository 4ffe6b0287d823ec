import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type {} from '../types.js';
import { GatewayError } from '../../core/errors.js';
import { excerpt } from '../../core/excerpt.js';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  instance?: string;
  [extension: string]: unknown;
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  408: 'Request Timeout',
  409: 'Conflict',
  410: 'Gone',
  413: 'Content Too Large',
  414: 'URI Too Long',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** An error that becomes a problem document with this status. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly problemType = 'about:blank',
    readonly headers: Record<string, string> = {},
    /** RFC 9457 extension members (e.g. a revoked credential's state and status entry). */
    readonly extensions: Record<string, unknown> = {},
  ) {
    super(detail);
  }
}

export function problemBody(status: number, detail: string, type = 'about:blank', instance?: string): Problem {
  return { type, title: TITLES[status] ?? 'Error', status, detail, ...(instance !== undefined ? { instance } : {}) };
}

export function sendProblem(
  reply: FastifyReply,
  request: FastifyRequest,
  status: number,
  detail: string,
  type = 'about:blank',
  extensions: Record<string, unknown> = {},
): FastifyReply {
  return reply
    .code(status)
    .type('application/problem+json')
    .send({ ...problemBody(status, detail, type, excerpt(request.url, 200)), ...extensions });
}

const patterns = new Map<string, RegExp>();
/** A fastify route path (`/x509/:keyFile`) as a matcher for request paths. */
function routePattern(url: string): RegExp {
  let re = patterns.get(url);
  if (!re) {
    re = new RegExp(
      `^${url
        .split(/(:[A-Za-z0-9_]+)/)
        .map((part) =>
          part.startsWith(':') ? '[^/]+' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*'),
        )
        .join('')}$`,
    );
    patterns.set(url, re);
  }
  return re;
}

/** Every error leaves as RFC 9457 problem+json; 5xx details are logged, not returned. */
export function problemPlugin(app: FastifyInstance): void {
  app.setNotFoundHandler((request, reply) => {
    // A path we serve, asked with another method: 405 with the methods it allows.
    const path = request.url.split('?')[0]!;
    const methods = [
      ...new Set((app.gatewayRoutes ?? []).filter((r) => routePattern(r.url).test(path)).map((r) => r.method)),
    ];
    if (methods.length && !methods.includes(request.method)) {
      if (methods.includes('GET')) methods.push('HEAD');
      return sendProblem(
        reply.header('allow', methods.join(', ')),
        request,
        405,
        `${request.method} is not allowed here; use ${methods.join(', ')}`,
      );
    }
    return sendProblem(reply, request, 404, `no route for ${excerpt(request.method, 20)} ${excerpt(request.url, 200)}`);
  });
  app.setErrorHandler((error: FastifyError | HttpProblem | GatewayError, request, reply) => {
    if (error instanceof HttpProblem) {
      for (const [k, v] of Object.entries(error.headers)) void reply.header(k, v);
      return sendProblem(reply, request, error.status, error.detail, error.problemType, error.extensions);
    }
    if (error instanceof GatewayError) {
      const status = error.httpStatus;
      if (status >= 500) request.log.error({ err: error }, 'request failed');
      // A 500 is ours: its detail stays in the log. 502–504 name the other party that failed.
      return sendProblem(
        reply,
        request,
        status,
        status === 500 ? 'internal error; see the gateway log' : error.message,
        `https://gx-gateway.dev/problems/${error.code}`,
      );
    }
    const status = (error as FastifyError).statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      return sendProblem(reply, request, status, 'internal error; see the gateway log');
    }
    return sendProblem(reply, request, status, excerpt(error.message, 300));
  });
}
