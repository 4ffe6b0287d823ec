import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

export interface Listener {
  /** http://host:port */
  url: string;
  port: number;
  /** Every request it received, with the headers it saw. */
  seen: Seen[];
  close(): Promise<void>;
}

/**
 * A loopback HTTP listener that records every request (method, URL, headers) and answers as told:
 * what a peer the gateway must not reach, or must reach only so far, would see.
 */
export async function listener(
  respond: (req: IncomingMessage, res: ServerResponse, self: Listener) => void = (_q, r) => r.end(),
  host = '127.0.0.1',
): Promise<Listener> {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
    req.resume();
    req.on('end', () => respond(req, res, self));
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const { port } = server.address() as AddressInfo;
  const self: Listener = {
    url: `http://${host}:${port}`,
    port,
    seen,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return self;
}

/** Answer JSON. */
export function json(res: ServerResponse, body: unknown, status = 200): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}
