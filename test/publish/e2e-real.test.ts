// End to end on the real OpenStack control plane (scripts/openstack-lite): introspected by a gateway
// service, described, validated, signed (the registration numbers by the GXDCH fake's notary); the clearing-house set submitted to the GXDCH fake (which
// verifies every signature and issuer chain) and its compliance credential verified (integrity
// digests of the served bytes); every Gaia-X credential published to an XFSC catalogue of each API
// generation, each of which fetches the credentials from their id URLs and verifies every signature.
import t from 'tap';
import { issuedElsewhere } from '../../src/store/store.js';
import { patience } from '../helpers/wait.js';
import { createHash } from 'node:crypto';
import canonicalize from 'canonicalize';
import { startFakeClearingHouse } from '../../src/demo/gxdch.js';
import { startFakeCatalogue } from '../../src/demo/xfsc.js';
import { startFakeCatalogue2026 } from '../../src/demo/xfsc-2026.js';
import { holdsCredential } from '../../src/publish/xfsc.js';
import { sqliteDatabase } from '../helpers/databases.js';
import { holdOpenstackLite, openstackLite } from '../helpers/openstack-lite.js';
import { gatewayFetch, gatewayVerifier } from '../helpers/peers.js';
import { PUBLIC_BASE, removeDir, settledRun, startService, type ServiceUnderTest } from '../helpers/service.js';
import { startFake } from '../../src/demo/http.js';

const lite = openstackLite();
if ('skip' in lite) {
  t.plan(0, lite.skip);
} else {
  // Files that change openstack-lite (test/pipeline/events-real.test.ts) wait for this one.
  await holdOpenstackLite();
  process.env.OS_CLIENT_CONFIG_FILE = lite.cloudsYaml;
  const gw: { svc?: ServiceUnderTest } = {};
  const fetchText = gatewayFetch(gw);
  const verify = gatewayVerifier(gw);
  const verified: string[] = [];
  const counting = async (input: unknown) => {
    const problem = await verify(input);
    if (!problem) verified.push(typeof input === 'string' ? input : JSON.stringify(input));
    return problem;
  };
  const gxdch = await startFakeClearingHouse({
    verify: counting,
    fetchText: async (url) => {
      const r = await fetchText(url);
      if (r.status !== 200) throw new Error(`${url} answered ${r.status}`);
      return r.text;
    },
  });
  const fc2025 = await startFakeCatalogue({ verify: counting, fetchText });
  const fc2026 = await startFakeCatalogue2026({ verify: counting, fetchText });
  const tokens = await startFake(() => ({ json: { access_token: 't', expires_in: 3600, token_type: 'Bearer' } }));
  const db = sqliteDatabase();
  const catalogue = (name: string, url: string, api: string) => ({
    name,
    api,
    url,
    tokenUrl: `${tokens.url}/token`,
    clientId: 'gx-gateway',
    allowHttp: true,
  });
  const svc = (gw.svc = await startService(db.location, {
    clouds: [{ id: 'real', name: 'openstack-lite', useSources: true, intervalSeconds: 3600 }],
    sources: { openstack: [{ cloud: 'openstack-lite' }] },
    // The fakes verify with the gateway's verifier: it must reach the fake notary's DID on loopback.
    resolver: { allowPrivateNetworks: true, allowHttp: true },
    publish: {
      clearingHouses: [
        {
          name: 'lab',
          registryUrl: `${gxdch.url}/registry/v1`,
          tagusUrl: `${gxdch.url}/compliance/v1`,
          notaryUrl: gxdch.notaryUrl,
          did: gxdch.did,
          allowHttp: true,
        },
      ],
      catalogues: [catalogue('fc2025', fc2025.url, '2025'), catalogue('fc2026', fc2026.url, 'auto')],
      outbox: { baseBackoffMs: 50, maxBackoffMs: 200, tickMs: 50 },
    },
  }));
  t.teardown(async () => {
    await svc.close();
    await Promise.all([gxdch.close(), fc2025.close(), fc2026.close(), tokens.close()]);
    await db.drop();
    removeDir(svc.dir);
  });
  const store = svc.gw.service.store;

  t.test('the real cloud → signed → compliance → both catalogues, every signature verified', async (t) => {
    const run = await settledRun(svc.url, 'real', 120_000);
    t.equal(run.state, 'succeeded', JSON.stringify(run.error));
    const end = Date.now() + patience(60_000);
    while ((await store.outbox.list({ state: 'pending', limit: 1 })).length || !gxdch.issued.length) {
      if (Date.now() > end) throw new Error('the outbox did not settle');
      await new Promise((r) => setTimeout(r, 100));
    }
    t.same(await store.outbox.list({ state: 'dead', limit: 5 }), [], 'no dead letter');
    const published = await store.credentials.list({
      cloud: 'real',
      state: 'published',
      clearingHouse: true,
      limit: 1000,
    });
    t.ok(published.length > 5, `${published.length} clearing-house credentials`);

    const [compliance] = await store.compliance.list({ current: true });
    t.equal(compliance?.profile, 'tagus-22.10');
    // The Tagus service answers the JSON-LD it is asked for.
    t.equal(compliance!.media_type, 'application/vc+ld+json');
    const vc = JSON.parse(compliance!.body) as { credentialSubject: { id: string; 'gx:integrity': string }[] };
    for (const s of vc.credentialSubject) {
      const bytes = (await fetchText(s.id)).text;
      const digest = `sha256-${createHash('sha256')
        .update(canonicalize(JSON.parse(bytes))!)
        .digest('hex')}`;
      t.equal(s['gx:integrity'], digest, `integrity of ${s.id.replace(PUBLIC_BASE, '')}`);
    }

    const notarized = published.filter((r) => issuedElsewhere(r));
    t.same(
      notarized.map((r) => `${r.profile} ${r.media_type}`).sort(),
      ['gaia-x-25.11 application/vc+jwt', 'tagus-22.10 application/vc+ld+json'],
      "the registration numbers are the notary's credentials",
    );
    t.ok(
      vc.credentialSubject.some((s) => s.id === notarized.find((r) => r.profile === 'tagus-22.10')!.id),
      "the compliance credential covers the notary's",
    );
    for (const row of published) {
      t.equal(
        [...fc2025.entries.values()].filter((e) => holdsCredential(e.content, row.id)).length,
        row.media_type.endsWith('jwt') ? 0 : 1,
        `2025 catalogue holds ${row.id.replace(PUBLIC_BASE, '')}${row.media_type.endsWith('jwt') ? ' not (JSON-LD only)' : ''}`,
      );
      t.equal(
        [...fc2026.assets.values()].flat().filter((v) => holdsCredential(v.content, row.id)).length,
        1,
        `2026 catalogue holds ${row.id.replace(PUBLIC_BASE, '')}`,
      );
    }
    t.ok(verified.length >= 2 * published.length, `${verified.length} presentations and credentials verified`);
  });
}
