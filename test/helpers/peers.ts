import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { compactVerify, decodeJwt, decodeProtectedHeader, importJWK } from 'jose';
import type { Test } from 'tap';
import { startFakeClearingHouse, type FakeClearingHouse } from '../../src/demo/gxdch.js';
import { sqliteDatabase } from './databases.js';
import { verifyJws2020 } from './independent.js';
import { removeDir, settledRun, startService, type ServiceUnderTest } from './service.js';

/** Where a peer fake reaches the gateway under test: its public base URL (http or https) rewritten to its socket. */
export function gatewayFetch(gw: { svc?: ServiceUnderTest }) {
  return async (url: string): Promise<{ status: number; text: string }> => {
    const r = await fetch(url.replace(/^https?:\/\/gateway\.test/, gw.svc!.url));
    return { status: r.status, text: await r.text() };
  };
}

/**
 * A peer's signature check: the gateway's own verifier (x5u chains aside), its failures in one line.
 * With `received`, every input is kept there too (to be verified again independently).
 */
export function gatewayVerifier(gw: { svc?: ServiceUnderTest }, received?: unknown[]) {
  return async (input: unknown): Promise<string | undefined> => {
    received?.push(input);
    const report = await gw.svc!.gw.credentials.verify(input, { skipX5u: true });
    return report.valid
      ? undefined
      : [report, ...(report.credentials ?? [])]
          .flatMap((r) => r.checks.filter((c) => !c.ok).map((c) => c.message ?? c.check))
          .join('; ');
  };
}

import { until } from './wait.js';
export { until };

/** `sha256-` + hex SHA-256 of the RFC 8785 form: what clearing houses name a credential by. */
export const sha = (doc: unknown) => `sha256-${createHash('sha256').update(canonicalize(doc)!).digest('hex')}`;

/** A clearing house fake that reaches the gateway under test (its public URLs rewritten to its socket) and verifies with it. */
export async function clearingHouse(
  gw: { svc?: ServiceUnderTest },
  port?: number,
  received?: unknown[],
): Promise<FakeClearingHouse> {
  return startFakeClearingHouse({
    ...(port !== undefined ? { port } : {}),
    fetchText: async (url) => {
      const r = await gatewayFetch(gw)(url);
      if (r.status !== 200) throw new Error(`${url} answered ${r.status}`);
      return r.text;
    },
    verify: gatewayVerifier(gw, received),
  });
}

/**
 * A compliance credential in any form the clearing house answers, verified with jose (JWTs: the
 * key its kid names, or without a kid the clearing house's RSA key) or jsonld + jose (JSON-LD): no
 * code of src/. Returns the subjects it names.
 */
export async function verifyCompliance(
  t: Test,
  body: string,
  fake: FakeClearingHouse,
): Promise<{ id: string; 'gx:integrity'?: string }[]> {
  const doc = (await (await fetch(`${fake.url}/.well-known/did.json`)).json()) as {
    verificationMethod: { id: string; publicKeyJwk: Record<string, unknown> }[];
  };
  if (body.trim().startsWith('{')) {
    const vc = JSON.parse(body) as Record<string, unknown>;
    t.equal(await verifyJws2020(vc, doc), true, 'the JSON-LD compliance credential verifies (jsonld + jose)');
    return ([] as { id: string }[]).concat(vc.credentialSubject as { id: string }[]);
  }
  const jwtOk = async (jwt: string) => {
    const header = decodeProtectedHeader(jwt);
    const vm = header.kid
      ? doc.verificationMethod.find((m) => m.id === header.kid)!
      : doc.verificationMethod.find((m) => m.publicKeyJwk.kty === 'RSA')!;
    const { x5u: _x5u, ...jwk } = vm.publicKeyJwk;
    await compactVerify(jwt, await importJWK(jwk, header.alg));
    return decodeJwt(jwt) as Record<string, unknown>;
  };
  const payload = await jwtOk(body.trim());
  t.pass('signed by the clearing house (jose)');
  if (payload.vp) {
    const inner = await Promise.all(
      (payload.vp as { verifiableCredential: string[] }).verifiableCredential.map((j) => jwtOk(j)),
    );
    t.pass(`each of its ${inner.length} VC-JWTs too`);
    return inner.flatMap((p) =>
      ([] as { id: string }[]).concat((p.vc as { credentialSubject: { id: string } }).credentialSubject),
    );
  }
  const vc = (payload.vc ?? payload) as { credentialSubject: unknown };
  return ([] as { id: string }[]).concat(vc.credentialSubject as { id: string }[]);
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

/** After the gateway's first run (which must succeed): the first answer a clearing house gave, issued or refused. */
export async function firstComplianceAnswer(t: Test, svc: ServiceUnderTest) {
  t.equal((await settledRun(svc.url)).state, 'succeeded');
  const store = svc.gw.service.store;
  await until(async () => (await store.compliance.list()).length > 0);
  return (await store.compliance.list())[0]!;
}

/** A Tagus clearing house of the configuration for a fake one on loopback (its registry, compliance, DID). */
export const tagusHouse = (fake: { url: string; did: string }, extra: Record<string, unknown> = {}) => ({
  name: 'lab',
  registryUrl: `${fake.url}/registry/v1`,
  tagusUrl: `${fake.url}/compliance/v1`,
  did: fake.did,
  allowHttp: true,
  ...extra,
});
