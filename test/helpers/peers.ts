import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { compactVerify, importJWK } from 'jose';
import type { Test } from 'tap';
import { startFakeClearingHouse, type FakeClearingHouse } from '../../src/demo/gxdch.js';
import { sqliteDatabase } from './databases.js';
import { removeDir, startService, type ServiceUnderTest } from './service.js';

/** Where a peer fake reaches the gateway under test: its public base URL (http or https) rewritten to its socket. */
export function gatewayFetch(gw: { svc?: ServiceUnderTest }) {
  return async (url: string): Promise<{ status: number; text: string }> => {
    const r = await fetch(url.replace(/^https?:\/\/gateway\.test/, gw.svc!.url));
    return { status: r.status, text: await r.text() };
  };
}

/** A peer's signature check: the gateway's own verifier (x5u chains aside), its failures in one line. */
export function gatewayVerifier(gw: { svc?: ServiceUnderTest }) {
  return async (input: unknown): Promise<string | undefined> => {
    const report = await gw.svc!.gw.credentials.verify(input, { skipX5u: true });
    return report.valid
      ? undefined
      : [report, ...(report.credentials ?? [])]
          .flatMap((r) => r.checks.filter((c) => !c.ok).map((c) => c.message ?? c.check))
          .join('; ');
  };
}

export { until } from './wait.js';

/** `sha256-` + hex SHA-256 of the RFC 8785 form: what clearing houses name a credential by. */
export const sha = (doc: unknown) => `sha256-${createHash('sha256').update(canonicalize(doc)!).digest('hex')}`;

/** A clearing house fake that reaches the gateway under test (its public URLs rewritten to its socket) and verifies with it. */
export async function clearingHouse(gw: { svc?: ServiceUnderTest }): Promise<FakeClearingHouse> {
  return startFakeClearingHouse({
    fetchText: async (url) => {
      const r = await gatewayFetch(gw)(url);
      if (r.status !== 200) throw new Error(`${url} answered ${r.status}`);
      return r.text;
    },
    verify: gatewayVerifier(gw),
  });
}

export async function verifyCompliance(t: Test, jwt: string, fake: FakeClearingHouse) {
  const doc = (await (await fetch(`${fake.url}/.well-known/did.json`)).json()) as {
    verificationMethod: { publicKeyJwk: Record<string, unknown> }[];
  };
  const { x5u: _x5u, ...jwk } = doc.verificationMethod[0]!.publicKeyJwk;
  await t.resolves(compactVerify(jwt, await importJWK(jwk, 'ES256')), 'signed by the clearing house (jose)');
}

/** A response, checked against openapi.yaml. */

/**
 * A gateway on a fresh SQLite database for one test, reached by the peers it talks to (`gw.svc`);
 * at the test's end it is closed, then the peers, then its database and folder are removed.
 */
export async function gatewayWithPeers(
  t: Test,
  gw: { svc?: ServiceUnderTest },
  extra: Record<string, unknown>,
  peers: { close(): Promise<void> }[],
): Promise<ServiceUnderTest> {
  const db = sqliteDatabase();
  let svc: ServiceUnderTest;
  try {
    svc = gw.svc = await startService(db.location, extra);
  } catch (err) {
    await Promise.all(peers.map((p) => p.close()));
    await db.drop();
    throw err;
  }
  t.teardown(async () => {
    await svc.close();
    await Promise.all(peers.map((p) => p.close()));
    await db.drop();
    removeDir(svc.dir);
  });
  return svc;
}
