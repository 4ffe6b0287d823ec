// The XFSC federated catalogue's 2026 API (/assets) through the outbox, over real HTTP: the
// generation detected at the first delivery, tokens by the password grant of a service user, each
// 25.11 VC-JWT uploaded as a VP-JWT (EnvelopedVerifiableCredential) that the catalogue verifies with
// the gateway's verifier and compares with the bytes at the credential's id URL; the participant
// registered with its own credential; a vanished resource's current version revoked; a delivery
// resumed after a lost answer finds what it made instead of uploading it again.
import t from 'tap';
import { startFakeOidc } from '../../src/demo/oidc.js';
import { startFakeCatalogue2026 } from '../../src/demo/xfsc-2026.js';
import { catalogueError } from '../../src/publish/xfsc.js';
import { gatewayFetch, gatewayVerifier, gatewayWithPeers, until } from '../helpers/peers.js';
import { ADMIN, settledRun, type ServiceUnderTest } from '../helpers/service.js';

// The 2026 catalogue's roles for assets, and the admin's Ro-MU-CA to register the participant.
const roles = {
  resource_access: {
    'federated-catalogue': { roles: ['ASSET_CREATE', 'ASSET_UPDATE', 'ASSET_DELETE', 'ASSET_READ', 'Ro-MU-CA'] },
  },
};
const idp = await startFakeOidc({
  clients: { 'fc-client': { secret: 'client-secret', roles: [] } },
  serviceUsers: { 'svc-gateway': { password: 'service-password', claims: roles } },
});
const gw: { svc?: ServiceUnderTest } = {};
const catalogue = await startFakeCatalogue2026({
  issuer: idp.issuer,
  fetchText: gatewayFetch(gw),
  verify: gatewayVerifier(gw),
});
process.env.GXG_TEST_FC_SECRET = 'client-secret';
process.env.GXG_TEST_FC_PASSWORD = 'service-password';
const svc = await gatewayWithPeers(
  t,
  gw,
  {
    signing: { defaultSuite: 'vc-jose' },
    clouds: [{ id: 'demo', name: 'Demo', demo: true, intervalSeconds: 3600, profiles: ['gaia-x-25.11'] }],
    publish: {
      catalogues: [
        {
          name: 'fc',
          url: catalogue.url,
          tokenUrl: `${idp.issuer}/token`,
          clientId: 'fc-client',
          clientSecretEnv: 'GXG_TEST_FC_SECRET',
          username: 'svc-gateway',
          passwordEnv: 'GXG_TEST_FC_PASSWORD',
          allowHttp: true,
          registerParticipant: true,
        },
      ],
      outbox: { baseBackoffMs: 50, maxBackoffMs: 200, tickMs: 50 },
    },
  },
  [catalogue, idp],
);
const store = svc.gw.service.store;
const idle = () => until(async () => (await store.outbox.list({ state: 'pending', limit: 1 })).length === 0);

t.test('detected, signed in as a service user, every credential uploaded as a VP-JWT and verified', async (t) => {
  t.equal((await settledRun(svc.url)).state, 'succeeded');
  await idle();
  t.same(await store.outbox.list({ state: 'dead', limit: 5 }), [], 'no dead letter');
  const published = await store.credentials.list({ state: 'published', clearingHouse: true, limit: 1000 });
  const versions = [...catalogue.assets.values()].flat();
  t.equal(versions.length, published.length, `${published.length} uploads`);
  t.ok(
    versions.every((v) => v.contentType === 'application/vp+jwt'),
    'each a VP-JWT',
  );
  for (const row of published.slice(0, 20)) {
    const entry = await store.catalogue.get('fc', row.id);
    t.match(entry, { state: 'active', ref: /#\d+$/ }, `${row.id.slice(-40)}: the asset IRI and version kept`);
  }
  const person = published.find((r) => (JSON.parse(r.types) as string[]).includes('LegalPerson'));
  t.ok(person && catalogue.participants.has(person.subject), 'the participant registered with its credential');
  t.ok(
    catalogue.requests.some((r) => r.path.startsWith('/assets?limit=1')),
    'the generation was detected (GET /assets)',
  );
});

t.test('a vanished resource: its current version revoked', async (t) => {
  const demo = svc.gw.service.demo!;
  const image = demo.openstack.imageIds()[0]!;
  t.ok(demo.openstack.deleteImage(image));
  await fetch(`${svc.url}/admin/clouds/demo/runs`, { method: 'POST', headers: ADMIN });
  t.equal((await settledRun(svc.url)).state, 'succeeded');
  await idle();
  const revoked = (await store.credentials.list({ state: 'revoked', limit: 100 })).filter((r) => r.clearing_house);
  t.ok(revoked.length > 0, `${revoked.length} revoked`);
  for (const r of revoked) {
    const entry = await store.catalogue.get('fc', r.id);
    t.equal(entry?.state, 'revoked');
    const iri = entry!.ref.slice(0, entry!.ref.lastIndexOf('#'));
    t.equal(catalogue.assets.get(iri)!.at(-1)!.status, 'revoked', 'revoked in the catalogue');
  }
});

t.test('a delivery resumed after a lost answer does not upload twice', async (t) => {
  const [row] = await store.credentials.list({ state: 'published', clearingHouse: true, limit: 1 });
  const before = [...catalogue.assets.values()].flat().length;
  // As if the instance had died after the catalogue stored it and before it was recorded.
  await store.db.deleteFrom('catalogue_entries').where('credential_id', '=', row!.id).execute();
  await store.outbox.enqueue([{ id: 'fc:add:again', target: 'fc', action: 'add', subject: row!.id, payload: '{}' }]);
  t.ok(await store.outbox.claim('fc', 'an-instance-that-died', 1), 'claimed by an instance that then died');
  await new Promise((r) => setTimeout(r, 20));
  await until(async () =>
    (await store.outbox.list({ state: 'delivered', limit: 10_000 })).some((i) => i.id === 'fc:add:again'),
  );
  t.equal([...catalogue.assets.values()].flat().length, before, 'no second upload');
  t.match(await store.catalogue.get('fc', row!.id), { state: 'active', ref: /#\d+$/ }, 'the entry found and kept');
});

t.test("the catalogue's errors, for people", async (t) => {
  const msg = (status: number, body: object) => catalogueError(new Response(JSON.stringify(body), { status }));
  t.match(
    await msg(403, { code: 'forbidden', message: 'no role' }),
    /^403 the token's roles .* \(forbidden: no role\)/,
  );
  t.match(await msg(422, { code: 'verification_error', message: 'bad' }), /could not verify the credential/);
  t.match(await msg(504, { code: 'timeout', message: 'slow' }), /timed out/);
});
