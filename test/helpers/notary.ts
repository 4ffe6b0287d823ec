import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Test } from 'tap';
import { decodeJwt } from 'jose';
import { DEMO_PROVIDER } from '../../src/config/load.js';
import type { FakeClearingHouse } from '../../src/demo/gxdch.js';
import { removeDir, type ServiceUnderTest } from './service.js';

/** The notary tests' shared pieces. */
export const LEI = '5493001KJTIIGC8Y1R12';

/** A scratch folder for the test's trust anchors, removed at its end. */
export function scratch(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'gxg-notary-'));
  t.teardown(() => removeDir(dir));
  return dir;
}

/** A clearing house entry of the configuration: its notary, and (with `compliance`) its registry and compliance. */
export const house = (name: string, f: FakeClearingHouse, anchor: string, compliance = true, timeoutMs = 5000) => ({
  name,
  notaryUrl: f.notaryUrl,
  ...(compliance ? { registryUrl: `${f.url}/registry/v1`, tagusUrl: `${f.url}/compliance/v1`, did: f.did } : {}),
  allowHttp: true,
  trustAnchorFiles: [anchor],
  timeoutMs,
});

/** validUntil (25.11, VC-JWT) or expirationDate (Tagus, JSON-LD) of a notary credential. */
export const decodeJwtOrLd = (body: string): string => {
  const doc = (body.startsWith('{') ? JSON.parse(body) : decodeJwt(body)) as Record<string, string>;
  return doc.validUntil ?? doc.expirationDate!;
};

export const provider = (numbers: object[]) => ({ ...DEMO_PROVIDER, registrationNumbers: numbers });
// The fake clearing house verifies with the gateway's verifier (gatewayVerifier): it must reach the
// fake notary's DID on loopback, as a real clearing house reaches the notary's over https.
export const peerResolver = { allowPrivateNetworks: true, allowHttp: true };

export async function registrations(svc: ServiceUnderTest) {
  const rows = await svc.gw.service.store.credentials.list({ state: 'published', limit: 1000 } as never);
  return rows.filter((r) => r.kind === 'registration-number');
}
