import { startFakeEventService, type FakeEventService } from '../demo/ces.js';
import { startFakeClearingHouse, type FakeClearingHouse } from '../demo/gxdch.js';
import { startFakeOidc, type FakeOidc } from '../demo/oidc.js';
import { startFakeCatalogue, type FakeCatalogue } from '../demo/xfsc.js';

/** The demo peers' target names. */
export const DEMO_CATALOGUE = 'demo-xfsc';
export const DEMO_CLEARING_HOUSE = 'demo-gxdch';

/** The demo's peers (demo.peers): a clearing house, a federated catalogue with its own IdP, a credential event service. */
export interface DemoPeers {
  clearingHouse: FakeClearingHouse;
  catalogue: FakeCatalogue;
  catalogueIdp: FakeOidc;
  events: FakeEventService;
  /** The catalogue client's secret (the catalogue's IdP knows it; never configured). */
  catalogueSecret: string;
  close(): Promise<void>;
}

interface Log {
  warn(o: object, m: string): void;
}

/** Bind a fake on its port, or any free port when it is taken. */
async function onPort<T>(port: number, start: (port: number) => Promise<T>, what: string, log: Log): Promise<T> {
  try {
    return await start(port);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    log.warn({ port }, `${what} port taken: using any free port`);
    return start(0);
  }
}

/**
 * Start the demo peers on loopback, on the ports after server.port + 4 (any free ports for port 0):
 * each checks what it gets with `verify` (the gateway's verifier) and pulls credentials from their id URLs.
 */
export async function startDemoPeers(
  serverPort: number,
  verify: (input: unknown) => Promise<string | undefined>,
  log: Log,
): Promise<DemoPeers> {
  const port = (n: number) => (serverPort > 0 && serverPort < 65535 - 8 ? serverPort + n : 0);
  const catalogueSecret = 'demo-catalogue-secret';
  const started: { close(): Promise<void> }[] = [];
  try {
    const clearingHouse = await onPort(
      port(5),
      (p) => startFakeClearingHouse({ port: p, verify }),
      'demo clearing house',
      log,
    );
    started.push(clearingHouse);
    const events = await onPort(
      port(6),
      (p) => startFakeEventService({ port: p }),
      'demo credential event service',
      log,
    );
    started.push(events);
    const catalogueIdp = await onPort(
      port(7),
      (p) =>
        startFakeOidc({
          port: p,
          clients: {
            'gx-gateway': {
              secret: catalogueSecret,
              roles: [],
              claims: { resource_access: { 'federated-catalogue': { roles: ['Ro-SD-A'] } } },
            },
          },
        }),
      'demo catalogue identity provider',
      log,
    );
    started.push(catalogueIdp);
    const catalogue = await onPort(
      port(8),
      (p) => startFakeCatalogue({ port: p, issuer: catalogueIdp.issuer, verify }),
      'demo federated catalogue',
      log,
    );
    started.push(catalogue);
    return {
      clearingHouse,
      catalogue,
      catalogueIdp,
      events,
      catalogueSecret,
      close: async () => {
        await Promise.all(started.map((s) => s.close()));
      },
    };
  } catch (err) {
    await Promise.all(started.map((s) => s.close()));
    throw err;
  }
}
