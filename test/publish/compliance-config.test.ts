// Issue 19: configuration an operator gets right the first time. One CA setting (resolver.caFile)
// reaches the clearing house's DID resolution and its POST (no NODE_EXTRA_CA_CERTS); allowHttp
// opens loopback over http, not private networks (allowPrivateNetworks does, for development); a
// registry URL that answers 404 is a misconfiguration said as such, not retried as "unavailable".
import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeClearingHouse } from '../../src/demo/gxdch.js';
import { resolverFor } from '../../src/publish/compliance.js';
import { COMPLIANCE_TARGET } from '../../src/publish/deliveries.js';
import { json, listener } from '../helpers/listener.js';
import {
  clearingHouse,
  gatewayFetch,
  gatewayVerifier,
  firstComplianceAnswer,
  gatewayWithPeers,
  tagusHouse,
  until,
} from '../helpers/peers.js';
import { createTestCa, createTlsCert } from '../helpers/pki.js';
import { removeDir, settledRun, type ServiceUnderTest } from '../helpers/service.js';

const dir = mkdtempSync(join(tmpdir(), 'gxg-ch-config-'));
t.teardown(() => removeDir(dir));
const fast = { baseBackoffMs: 50, maxBackoffMs: 200, tickMs: 50, maxAttempts: 5 };
const tagusOnly = [{ id: 'demo', name: 'Demo', demo: true, intervalSeconds: 3600, profiles: ['tagus-22.10'] }];

t.test('allowHttp reaches loopback over http, not private networks', async (t) => {
  const plain = await listener((_q, res) => json(res, { ok: true }));
  t.teardown(() => plain.close());
  const dev = resolverFor({ allowHttp: true, timeoutMs: 2000 });
  t.teardown(() => dev.close());
  t.match(await dev.resolver.fetchText(`${plain.url}/x`, 'application/json'), /"ok":true/, 'loopback over http');
  for (const url of ['https://10.1.2.3/did.json', 'https://192.168.0.10/did.json', 'https://169.254.169.254/'])
    await t.rejects(dev.resolver.fetchText(url, 'application/json'), /private, loopback and link-local/, url);
  t.equal(plain.seen.length, 1);
});

t.test('a registry URL that answers 404 is a misconfiguration: said as such, a dead letter at once', async (t) => {
  const gw: { svc?: ServiceUnderTest } = {};
  const fake = await clearingHouse(gw);
  const svc = await gatewayWithPeers(
    t,
    gw,
    {
      clouds: tagusOnly,
      publish: {
        // The registry's API base lacks /v1.
        clearingHouses: [tagusHouse(fake, { registryUrl: `${fake.url}/registry` })],
        outbox: fast,
      },
    },
    [fake],
  );
  const store = svc.gw.service.store;
  t.equal((await settledRun(svc.url)).state, 'succeeded');
  await until(async () => (await store.outbox.list({ target: COMPLIANCE_TARGET, state: 'dead', limit: 1 })).length > 0);
  const [dead] = await store.outbox.list({ target: COMPLIANCE_TARGET, state: 'dead', limit: 1 });
  t.equal(dead!.attempts, 1, 'not retried as if the registry were down');
  t.match(
    dead!.last_error,
    /its registry answered 404 for \/api\/termsAndConditions \(its terms and conditions\): check publish\.clearingHouses\[lab\]\.registryUrl/,
  );
  t.notOk(
    fake.requests.some((r) => r.path.startsWith('/compliance/')),
    'nothing submitted',
  );
});

t.test('resolver.caFile reaches the clearing house over https: its DID, its chain and the POST', async (t) => {
  const ca = await createTestCa('gx-gateway test CA for peers');
  const caFile = join(dir, 'peers-ca.pem');
  writeFileSync(caFile, ca.certPem);
  const gw: { svc?: ServiceUnderTest } = {};
  const fake = await startFakeClearingHouse({
    tls: await createTlsCert(ca),
    fetchText: async (url) => {
      const r = await gatewayFetch(gw)(url);
      if (r.status !== 200) throw new Error(`${url} answered ${r.status}`);
      return r.text;
    },
    verify: gatewayVerifier(gw),
  });
  t.match(fake.url, /^https:\/\/127\.0\.0\.1:\d+$/);
  const svc = await gatewayWithPeers(
    t,
    gw,
    {
      clouds: tagusOnly,
      resolver: { caFile },
      publish: {
        clearingHouses: [
          {
            name: 'tls',
            registryUrl: `${fake.url}/registry/v1`,
            tagusUrl: `${fake.url}/compliance/v1`,
            did: fake.did,
            // https on loopback: its address is private (development), but no plain http.
            allowPrivateNetworks: true,
          },
        ],
        outbox: fast,
      },
    },
    [fake],
  );
  const row = await firstComplianceAnswer(t, svc);
  t.equal(row!.state, 'issued', row!.message ?? 'issued');
  t.equal(row!.clearing_house, 'tls');
  t.ok(fake.requests.some((r) => r.path === '/.well-known/did.json' || r.path.startsWith('/compliance/v1')));
});
