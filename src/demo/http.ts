import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

export type Handler = (
  req: IncomingMessage,
  url: URL,
  body: string,
) => Promise<FakeResponse | undefined> | FakeResponse | undefined;
export interface FakeResponse {
  status?: number;
  headers?: Record<string, string>;
  json?: unknown;
  text?: string;
  /** A streamed answer (a watch): the handler writes the head and the body itself. */
  stream?: (res: ServerResponse) => void;
}

/** Fault injection: per path prefix, answer with a status, hang, or throttle (429 + Retry-After) N times. */
export interface Fault {
  path: RegExp;
  status?: number;
  hang?: boolean;
  times?: number;
  retryAfterSeconds?: number;
}

export interface FakeServer {
  url: string;
  server: Server;
  requests: { method: string; path: string }[];
  faults: Fault[];
  close(): Promise<void>;
}

export interface FakeOptions {
  host?: string;
  port?: number;
  /** Added latency per request, in ms. */
  latencyMs?: number;
  tls?: { cert: string; key: string; ca?: string; requestCert?: boolean };
}

/** A small JSON HTTP(S) server for fakes: latency, faults, request log. */
export async function startFake(handler: Handler, opts: FakeOptions = {}): Promise<FakeServer> {
  const requests: FakeServer['requests'] = [];
  const faults: Fault[] = [];
  const hanging = new Set<ServerResponse>();
  const listener = (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const url = new URL(req.url ?? '/', 'http://fake');
      requests.push({ method: req.method ?? 'GET', path: url.pathname + url.search });
      if (opts.latencyMs) await new Promise((r) => setTimeout(r, opts.latencyMs));
      const fault = faults.find(
        (f) => f.path.test(url.pathname + url.search) && (f.times === undefined || f.times > 0),
      );
      if (fault) {
        if (fault.times !== undefined) fault.times--;
        if (fault.hang) {
          hanging.add(res);
          return;
        }
        const headers: Record<string, string> = { 'content-type': 'application/json' };
        if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds);
        res.writeHead(fault.status ?? 500, headers);
        res.end(JSON.stringify({ error: { message: `injected fault ${fault.status ?? 500}` } }));
        return;
      }
      try {
        const out = await handler(req, url, Buffer.concat(chunks).toString('utf8'));
        if (!out) {
          res.writeHead(404, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ itemNotFound: { code: 404, message: `no fake for ${url.pathname}` } }));
          return;
        }
        if (out.stream) {
          out.stream(res);
          return;
        }
        const body = out.json !== undefined ? JSON.stringify(out.json) : (out.text ?? '');
        res.writeHead(out.status ?? 200, {
          'content-type': out.json !== undefined ? 'application/json' : 'text/plain',
          ...out.headers,
        });
        res.end(body);
      } catch (err) {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: { message: (err as Error).message } }));
      }
    });
  };
  const server = opts.tls
    ? createHttpsServer(
        {
          cert: opts.tls.cert,
          key: opts.tls.key,
          ...(opts.tls.ca ? { ca: opts.tls.ca } : {}),
          requestCert: opts.tls.requestCert ?? false,
          rejectUnauthorized: false,
        },
        listener,
      )
    : createHttpServer(listener);
  // A port in use rejects (EADDRINUSE) instead of crashing the process with an unhandled 'error'.
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `${opts.tls ? 'https' : 'http'}://${opts.host === '0.0.0.0' ? '127.0.0.1' : (opts.host ?? '127.0.0.1')}:${port}`;
  return {
    url,
    server,
    requests,
    faults,
    close: () =>
      new Promise<void>((resolve) => {
        for (const r of hanging) r.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
