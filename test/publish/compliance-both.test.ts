// One gateway, both clearing-house generations: the gaia-x-25.11 set signed as VC-JWTs
// (signing.suites) for Loire beside the tagus-22.10 set in JSON-LD for Tagus, each with the
// notary's registration-number credential of its generation; the GXDCH fake (registry, notary,
// Tagus and Loire compliance) issues both compliance credentials, each naming the digest of every
// credential of its set as served.
import t from 'tap';
import { issuedElsewhere } from '../../src/store/store.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compactVerify, decodeJwt, importJWK } from 'jose';
import { clearingHouse, gatewayWithPeers, sha, until, verifyCompliance } from '../helpers/peers.js';
import { PUBLIC_BASE, removeDir, settledRun, type ServiceUnderTest } from '../helpers/service.js';

const dir = mkdtempSync(join(tmpdir(), 'gxg-both-'));
t.teardown(() => removeDir(dir));

t.test('Tagus JSON-LD and Loire VC-JWTs from one gateway, both accepted', async (t) => {
  const gw: { svc?: ServiceUnderTest } = {};
  const fake = await clearingHouse(gw);
  const anchor = join(dir, 'root.pem');
  writeFileSync(anchor, fake.rootPem);
  const svc = await gatewayWithPeers(
    t,
    gw,
    {
      signing: { defaultSuite: 'jws2020', suites: { 'gaia-x-25.11': 'vc-jose' } },
      // The fake verifies with the gateway's verifier: it must reach the fake notary's DID on loopback.
      resolver: { allowPrivateNetworks: true, allowHttp: true },
      publish: {
        clearingHouses: [
          {
            name: 'lab',
            registryUrl: `${fake.url}/registry/v1`,
            tagusUrl: `${fake.url}/compliance/v1`,
            loireUrl: `${fake.url}/compliance/v2`,
            notaryUrl: fake.notaryUrl,
            did: fake.did,
            allowHttp: true,
            trustAnchorFiles: [anchor],
          },
        ],
        outbox: { baseBackoffMs: 50, maxBackoffMs: 200, tickMs: 50 },
      },
    },
    [fake],
  );
  const store = svc.gw.service.store;
  const run = await settledRun(svc.url);
  t.equal(run.state, 'succeeded', String(run.error));
  await until(async () => (await store.compliance.list({ current: true })).length === 2);
  const issued = await store.compliance.list({ current: true });
  t.same(issued.map((c) => c.profile).sort(), ['gaia-x-25.11', 'tagus-22.10'], 'a compliance credential for each set');
  t.equal(fake.counts.refused, 0, 'nothing refused');

  const byProfile = async (profile: string) =>
    store.credentials.list({ cloud: 'demo', profile, state: 'published', limit: 1000 } as never);
  const loire = await byProfile('gaia-x-25.11');
  const tagus = await byProfile('tagus-22.10');
  t.ok(
    loire.every((r) => r.media_type === 'application/vc+jwt'),
    `the ${loire.length} gaia-x-25.11 credentials are VC-JWTs`,
  );
  t.ok(
    tagus.every((r) => r.media_type === 'application/vc+ld+json'),
    `the ${tagus.length} tagus-22.10 credentials are JSON-LD`,
  );
  const [list25] = await store.statusLists.of('demo', 'gaia-x-25.11');
  t.equal(list25!.media_type, 'application/vc+jwt', 'its status list too');
  t.same(await store.statusLists.of('demo', 'tagus-22.10'), [], 'Tagus credentials need none (no status entries)');
  t.equal(
    loire.filter((r) => issuedElsewhere(r)).length + tagus.filter((r) => issuedElsewhere(r)).length,
    2,
    "the notary's credential in each set",
  );

  // A 25.11 credential verifies with jose against the gateway's DID document (no code of ours).
  const didDoc = (await (await fetch(`${svc.url}/.well-known/did.json`)).json()) as {
    verificationMethod: { id: string; publicKeyJwk: Record<string, unknown> }[];
  };
  const own = loire.find((r) => r.kind === 'legal-person')!;
  const jwt = (await store.credentials.get(own.id))!.body;
  const header = JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString()) as { kid: string; alg: string };
  const vm = didDoc.verificationMethod.find((m) => m.id === header.kid)!;
  const { x5u: _x5u, ...jwk } = vm.publicKeyJwk;
  await t.resolves(compactVerify(jwt, await importJWK(jwk, header.alg)), 'the legal person VC-JWT verifies (jose)');

  for (const c of issued) {
    await verifyCompliance(t, c.body, fake);
    const vc = (c.body.startsWith('{') ? JSON.parse(c.body) : decodeJwt(c.body)) as {
      credentialSubject:
        | { id: string; 'gx:integrity': string }[]
        | { 'gx:compliantCredentials': { id: string; 'gx:digestSRI': string }[] };
    };
    const named = Array.isArray(vc.credentialSubject)
      ? vc.credentialSubject.map((s) => [s.id, s['gx:integrity']] as const)
      : vc.credentialSubject['gx:compliantCredentials'].map((s) => [s.id, s['gx:digestSRI']] as const);
    const covered = JSON.parse(c.covered) as string[];
    t.equal(named.length, covered.length, `${c.profile}: every credential of the set named`);
    for (const [id, digest] of named) {
      const bytes = await (await fetch(id.replace(PUBLIC_BASE, svc.url))).text();
      const doc = bytes.startsWith('{') ? JSON.parse(bytes) : decodeJwt(bytes);
      if (digest !== sha(doc)) t.fail(`${c.profile}: the digest of ${id} is not that of its served bytes`);
    }
    t.pass(`${c.profile}: each digest is that of the served bytes`);
  }
});
