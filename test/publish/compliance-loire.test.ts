// Loire (25.11, VP-JWTs of VC-JWTs) through the outbox, over real HTTP to the GXDCH fake: a refusal
// (409 with its results) is recorded and the same set is never resent, a changed one is and is
// accepted; the LabelCredential's digests are those of the served credentials; renewal before expiry.
import t from 'tap';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { startFakeClearingHouse } from '../../src/demo/gxdch.js';
import {
  clearingHouse,
  firstComplianceAnswer,
  gatewayWithPeers,
  sha,
  until,
  verifyCompliance,
} from '../helpers/peers.js';
import { ADMIN, PUBLIC_BASE, removeDir, settledRun, type ServiceUnderTest } from '../helpers/service.js';

const dir = mkdtempSync(join(tmpdir(), 'gxg-compliance-'));
t.teardown(() => removeDir(dir));

t.test('Loire: a refusal is recorded and not resent until the credentials change', async (t) => {
  const gw: { svc?: ServiceUnderTest } = {};
  const fake = await clearingHouse(gw);
  // An anchor our development chain does not end in: the clearing house refuses (409 with its results).
  const other = await startFakeClearingHouse();
  fake.trustAnchors.push(other.rootPem);
  await other.close();
  const anchor = join(dir, 'loire-root.pem');
  writeFileSync(anchor, fake.rootPem);
  const svc = await gatewayWithPeers(
    t,
    gw,
    {
      signing: { defaultSuite: 'vc-jose' },
      clouds: [{ id: 'demo', name: 'Demo', demo: true, intervalSeconds: 3600, profiles: ['gaia-x-25.11'] }],
      publish: {
        clearingHouses: [
          {
            name: 'lab',
            loireUrl: `${fake.url}/compliance/v2`,
            did: fake.did,
            allowHttp: true,
            trustAnchorFiles: [anchor],
          },
        ],
        // Longer than the 90 days a compliance credential lasts: each one is due for renewal at once.
        compliance: { renewBeforeDays: 100 },
        outbox: { baseBackoffMs: 50, maxBackoffMs: 200, tickMs: 50 },
      },
    },
    [fake],
  );
  const store = svc.gw.service.store;
  const refused = await firstComplianceAnswer(t, svc);
  t.equal(refused!.state, 'rejected');
  t.match(refused!.message, /409: Conflict: the rules do not hold[\s\S]*is not a Gaia-X trust anchor/);
  t.equal(fake.counts.refused, 1);
  const dead = await store.outbox.list({ target: 'compliance', state: 'dead', limit: 10 });
  t.equal(dead.length, 1, 'a dead letter for the operator, not retried');
  t.match(dead[0]!.last_error, /lab refused/);

  // Unchanged: nothing is submitted again, whatever runs or sweeps.
  await fetch(`${svc.url}/admin/clouds/demo/runs`, { method: 'POST', headers: ADMIN });
  await settledRun(svc.url);
  t.equal(await svc.gw.service.complianceSweep(), 0, 'the sweep finds nothing due');
  await new Promise((r) => setTimeout(r, 300));
  t.equal(fake.counts.refused + fake.counts.issued, 1, 'the same set was not resent');

  // The clearing house trusts us now, and the cloud changes: the new set is submitted and accepted.
  fake.trustAnchors.length = 0;
  const demo = svc.gw.service.demo!;
  t.ok(demo.openstack.deleteImage(demo.openstack.imageIds()[0]!));
  await fetch(`${svc.url}/admin/clouds/demo/runs`, { method: 'POST', headers: ADMIN });
  t.equal((await settledRun(svc.url)).state, 'succeeded');
  await until(async () => (await store.compliance.list({ current: true })).length > 0);
  const [issued] = await store.compliance.list({ current: true });
  t.equal(issued!.profile, 'gaia-x-25.11');
  await verifyCompliance(t, issued!.body, fake);
  const vc = decodeJwt(issued!.body) as {
    type: string[];
    credentialSubject: { 'gx:compliantCredentials': { id: string; 'gx:digestSRI': string }[] };
  };
  t.ok(vc.type.includes('gx:LabelCredential'));
  const named = vc.credentialSubject['gx:compliantCredentials'];
  const covered = JSON.parse(issued!.covered) as string[];
  t.equal(named.length, covered.length);
  for (const id of covered.slice(0, 10)) {
    const jwt = await (await fetch(id.replace(PUBLIC_BASE, svc.url))).text();
    t.equal(named.find((n) => n.id === id)?.['gx:digestSRI'], sha(decodeJwt(jwt)), `digest of ${id.slice(-40)}`);
  }

  // Renewal: before it expires, the same set is submitted again; the new credential replaces the old.
  t.equal(await svc.gw.service.complianceSweep(), 1, 'due for renewal');
  await until(async () => (await store.compliance.list({ current: true }))[0]?.id !== issued!.id);
  const [renewed] = await store.compliance.list({ current: true });
  t.equal(renewed!.set_hash, issued!.set_hash, 'the same set');
  t.equal((await store.compliance.get(issued!.id))!.state, 'replaced');
  const old = await fetch(issued!.id.replace(PUBLIC_BASE, svc.url));
  t.equal(old.headers.get('gx-credential-state'), 'replaced', 'the old one still served, marked replaced');
});
