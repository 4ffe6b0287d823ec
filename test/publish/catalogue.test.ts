// Published credentials reach an XFSC federated catalogue (2025 API fake, over real HTTP) through
// the durable outbox: the catalogue's client-credentials token from the fake OIDC provider, each
// Gaia-X credential uploaded as a signed presentation that the catalogue verifies (the gateway's
// verifier on the presentation, and the bytes at each credential's id URL); a vanished resource's
// entry revoked; a catalogue down for a while receives everything once when it is back.
import t from 'tap';
import { startFakeOidc } from '../../src/demo/oidc.js';
import { startFakeCatalogue } from '../../src/demo/xfsc.js';
import { gatewayFetch, gatewayVerifier, gatewayWithPeers, until } from '../helpers/peers.js';
import { ADMIN, settledRun, type ServiceUnderTest } from '../helpers/service.js';

const idp = await startFakeOidc({
  clients: {
    'gx-gateway': {
      secret: 'catalogue-secret',
      roles: [],
      // Ro-SD-A uploads; the catalogue admin's Ro-MU-CA registers the participant.
      claims: { resource_access: { 'federated-catalogue': { roles: ['Ro-SD-A', 'Ro-MU-CA'] } } },
    },
  },
});
// The catalogue needs the gateway (its URL, its verifier), which is started after it.
const gw: { svc?: ServiceUnderTest } = {};
const catalogue = await startFakeCatalogue({
  issuer: idp.issuer,
  fetchText: gatewayFetch(gw),
  verify: gatewayVerifier(gw),
});
// Down for its first deliveries: the outbox retries until it is back.
catalogue.faults.push({ path: /^\/self-descriptions$/, status: 503, times: 3 });
process.env.GXG_TEST_CATALOGUE_SECRET = 'catalogue-secret';
const svc = await gatewayWithPeers(
  t,
  gw,
  {
    publish: {
      catalogues: [
        {
          name: 'xfsc',
          url: catalogue.url,
          tokenUrl: `${idp.issuer}/token`,
          clientId: 'gx-gateway',
          clientSecretEnv: 'GXG_TEST_CATALOGUE_SECRET',
          allowHttp: true,
          registerParticipant: true,
        },
      ],
      outbox: { baseBackoffMs: 50, maxBackoffMs: 200, tickMs: 50, downAfterSeconds: 1, maxAttempts: 10_000 },
    },
  },
  [catalogue, idp],
);
const store = svc.gw.service.store;

t.test('every Gaia-X credential reaches the catalogue, verified, once', async (t) => {
  const run = await settledRun(svc.url);
  t.equal(run.state, 'succeeded');
  const published = await store.credentials.list({ state: 'published', clearingHouse: true, limit: 1000 });
  await until(async () => (await store.outbox.list({ state: 'pending', limit: 1 })).length === 0);
  t.equal(catalogue.entries.size, published.length, `${published.length} self-descriptions in the catalogue`);
  // One active entry per credential subject: the Tagus and 25.11 credentials of a subject share it.
  const subjects = new Set(published.map((p) => p.subject));
  const active = [...catalogue.entries.values()].filter((e) => e.status === 'active');
  t.equal(active.length, subjects.size, 'one active per subject, the other deprecated');
  t.equal(
    catalogue.requests.filter((r) => r.method === 'POST' && r.path === '/self-descriptions').length,
    published.length + 3,
    'each once, after 3 refusals while down',
  );
  const items = await store.outbox.list({ target: 'xfsc', limit: 1000 });
  t.same(
    items.filter((i) => i.state !== 'delivered').map((i) => [i.id, i.state, i.last_error]),
    [],
    'every item delivered',
  );
  // Deliveries go 8 at a time (publish.catalogues[].concurrency): the 3 refusals fell on those in
  // flight while it was down, each delivered on a later attempt.
  t.equal(
    items.reduce((n, i) => n + i.attempts, 0),
    3,
    'the deliveries in flight waited for the catalogue',
  );
  const entry = await store.catalogue.get('xfsc', published[0]!.id);
  t.match(entry, { state: 'active', ref: /^[0-9a-f]{64}$/ }, 'its hash there is kept');
  t.ok(catalogue.entries.has(entry!.ref));
  t.ok(catalogue.participants.size >= 1, 'the participant registered with its own credential');
  const scs = await store.credentials.list({ state: 'published', clearingHouse: false, limit: 1 });
  t.notOk(
    items.some((i) => i.subject === scs[0]!.id),
    'our scs facts are not sent',
  );
});

t.test('a vanished image: its entry revoked in the catalogue', async (t) => {
  const demo = svc.gw.service.demo!;
  const images = await store.credentials.list({
    state: 'published',
    type: 'VMImage',
    profile: 'gaia-x-25.11',
    limit: 100,
  });
  const id = demo.openstack.imageIds().find((i) => images.some((c) => c.base_id.endsWith(`/images/${i}`)))!;
  const victim = images.find((c) => c.base_id.endsWith(`/images/${id}`))!;
  t.ok(demo.openstack.deleteImage(id));
  const r = await fetch(`${svc.url}/admin/clouds/demo/runs`, { method: 'POST', headers: ADMIN });
  t.equal(r.status, 202);
  await settledRun(svc.url);
  await until(async () => (await store.outbox.list({ state: 'pending', limit: 1 })).length === 0);
  const entry = await store.catalogue.get('xfsc', victim.id);
  t.equal(entry!.state, 'revoked');
  t.equal(catalogue.entries.get(entry!.ref)!.status, 'revoked', 'revoked in the catalogue');
  const metrics = await (await fetch(`${svc.url}/metrics`, { headers: ADMIN })).text();
  t.match(metrics, /gxg_outbox_deliveries_total\{target="xfsc",outcome="delivered"\} \d+/);
  t.match(metrics, /gxg_outbox_deliveries_total\{target="xfsc",outcome="retry"\} 3/);
});

t.test('a catalogue down longer than its threshold: /ready says so, until the backlog moves', async (t) => {
  const ready = async () => {
    const r = await fetch(`${svc.url}/ready`);
    return { status: r.status, body: (await r.json()) as { checks: Record<string, boolean> } };
  };
  t.equal((await ready()).status, 200);
  t.equal((await ready()).body.checks['outbox:xfsc'], true);
  catalogue.faults.push({ path: /^\/self-descriptions/, status: 503, times: 100_000 });
  const demo = svc.gw.service.demo!;
  t.ok(demo.openstack.deleteImage(demo.openstack.imageIds()[0]!));
  await fetch(`${svc.url}/admin/clouds/demo/runs`, { method: 'POST', headers: ADMIN });
  await settledRun(svc.url);
  await until(async () => (await ready()).status === 503);
  const down = await ready();
  t.equal(down.body.checks['outbox:xfsc'], false, 'the catalogue is reported down');
  catalogue.faults.length = 0;
  await until(async () => (await ready()).status === 200);
  await until(async () => (await store.outbox.list({ state: 'pending', limit: 1 })).length === 0);
  t.equal((await store.outbox.list({ state: 'dead', limit: 1 })).length, 0, 'its backlog delivered, nothing lost');
});
