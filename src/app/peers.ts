import { startFakeEventService, type FakeEventService } from '../demo/ces.js';
import { startFakeClearingHouse, type FakeClearingHouse } from '../demo/gxdch.js';
import { startFakeOidc, type FakeOidc } from '../demo/oidc.js';
import { startFakeCatalogue, type FakeCatalogue } from '../demo/xfsc.js';
import { startFakeCatalogue2026, type FakeCatalogue2026 } from '../demo/xfsc-2026.js';

/** The demo peers' target names: the 2025 catalogue (JSON-LD: the Tagus set), the 2026 one (VC-JWTs too: the 25.11 set). */
export const DEMO_CATALOGUE = 'demo-xfsc';
export const DEMO_CATALOGUE_2026 = 'demo-xfsc-2026';
export const DEMO_CLEARING_HOUSE = 'demo-gxdch';

/** The demo's peers (demo.peers): a clearing house, federated catalogues of both API generations with their IdP, a credential event service. */
export interface DemoPeers {
  clearingHouse: FakeClearingHouse;
  catalogue: FakeCatalogue;
  catalogue2026: FakeCatalogue2026;
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

/** The demo peers' ports, in order: clearing house, credential events, catalogue IdP, 2025 catalogue, 2026 catalogue. */
const DEMO_PEER_PORTS = 5;

/** The demo peers' default ports: server.port + 5 … + 9 (0, any free port, for port 0). */
export function defaultPeerPorts(serverPort: number): number[] {
  return Array.from({ length: DEMO_PEER_PORTS }, (_, i) =>
    serverPort > 0 && serverPort < 65535 - 9 ? serverPort + 5 + i : 0,
  );
}

/**
 * Start the demo peers on loopback, on `ports` (demo.peerPorts; see defaultPeerPorts): each checks
 * what it gets with `verify` (the gateway's verifier) and pulls credentials from their id URLs.
 */
export async function startDemoPeers(
  ports: number[],
  verify: (input: unknown) => Promise<string | undefined>,
  log: Log,
): Promise<DemoPeers> {
  const port = (n: number) => ports[n - 5] ?? 0;
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
              // A provider's client, as a catalogue operator would set it up: uploads and revokes in
              // both API generations, not the catalogue admin's Ro-MU-CA (no participant registration).
              claims: {
                resource_access: {
                  'federated-catalogue': {
                    roles: ['Ro-SD-A', 'ASSET_CREATE', 'ASSET_UPDATE', 'ASSET_DELETE', 'ASSET_READ'],
                  },
                },
              },
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
    const catalogue2026 = await onPort(
      port(9),
      (p) => startFakeCatalogue2026({ port: p, issuer: catalogueIdp.issuer, verify }),
      'demo federated catalogue (2026 API)',
      log,
    );
    started.push(catalogue2026);
    return {
      clearingHouse,
      catalogue,
      catalogue2026,
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
