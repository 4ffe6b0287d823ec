import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError } from '../../credentials/errors.js';

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
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Content',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** An error that becomes a problem document with this status. */
export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly detail: string,
    readonly problemType = 'about:blank',
  ) {
    super(detail);
  }
}

export function sendProblem(reply: FastifyReply, request: FastifyRequest, status: number, detail: string, type = 'about:blank'): FastifyReply {
  const problem: Problem = { type, title: TITLES[status] ?? 'Error', status, detail, instance: request.url };
  return reply.code(status).type('application/problem+json').send(problem);
}

/** Every error leaves as RFC 9457 problem+json; 5xx details are logged, not returned. */
export function problemPlugin(app: FastifyInstance): void {
  app.setNotFoundHandler((request, reply) => sendProblem(reply, request, 404, `no route for ${request.method} ${request.url}`));
  app.setErrorHandler((error: FastifyError | HttpProblem | GatewayError, request, reply) => {
    if (error instanceof HttpProblem) return sendProblem(reply, request, error.status, error.detail, error.problemType);
    if (error instanceof GatewayError) {
      return sendProblem(reply, request, 422, error.message, `https://gx-gateway.dev/problems/${error.code}`);
    }
    const status = (error as FastifyError).statusCode ?? 500;
    if (status >= 500) {
      request.log.error({ err: error }, 'request failed');
      return sendProblem(reply, request, status, 'internal error; see the gateway log');
    }
    return sendProblem(reply, request, status, error.message);
  });
}
