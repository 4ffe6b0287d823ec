// Clearing houses through the outbox, over real HTTP: the demo cloud's signed clearing-house
// credentials go to the GXDCH fake (which verifies every signature with the gateway's verifier,
// resolves each issuer's DID and x5u chain, and checks the registry's implemented shapes); the
// compliance credential that comes back is verified (issuer, signature, x5u chain against the
// configured anchor, one digest per credential sent) before it is stored and served; a clearing
// house that is down is passed over; one that refuses gets the same set never again, only a changed
// one; each issuance is pushed to the credential event service as a CloudEvent.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeEventService } from '../../src/demo/ces.js';
import type { FakeClearingHouse } from '../../src/demo/gxdch.js';
import { call } from '../helpers/contract.js';
import {
  clearingHouse,
  firstComplianceAnswer,
  gatewayWithPeers,
  sha,
  tagusHouse,
  until,
  verifyCompliance,
} from '../helpers/peers.js';
import { runCli } from '../helpers/cli.js';
import { ADMIN, ADMIN_TOKEN, PUBLIC_BASE, removeDir, settledRun, type ServiceUnderTest } from '../helpers/service.js';

/** A response, checked against openapi.yaml. */

const dir = mkdtempSync(join(tmpdir(), 'gxg-compliance-'));
t.teardown(() => removeDir(dir));

t.test('Tagus: failover past a clearing house that is down; verified, stored, served, announced', async (t) => {
  const gw: { svc?: ServiceUnderTest } = {};
  const down = await clearingHouse(gw);
  down.faults.push({ path: /^\/compliance\//, status: 503 });
  const fake = await clearingHouse(gw);
  const events = await startFakeEventService();
  const anchor = join(dir, 'gxdch-root.pem');
  writeFileSync(anchor, fake.rootPem);
  const house = (name: string, f: FakeClearingHouse) => ({
    name,
    registryUrl: `${f.url}/registry/v1`,
    tagusUrl: `${f.url}/compliance/v1`,
    did: f.did,
    allowHttp: true,
    trustAnchorFiles: [anchor],
  });
  const svc = await gatewayWithPeers(
    t,
    gw,
    {
      publish: {
        clearingHouses: [house('down', down), house('lab', fake)],
        credentialEvents: { url: events.url, allowHttp: true },
        outbox: { baseBackoffMs: 50, maxBackoffMs: 200, tickMs: 50 },
      },
    },
    [down, fake, events],
  );
  const store = svc.gw.service.store;
  t.equal((await settledRun(svc.url)).state, 'succeeded');
  await until(async () => (await store.compliance.list({ current: true })).length > 0);
  const [row] = await store.compliance.list({ current: true });
  t.equal(row!.clearing_house, 'lab', 'the second clearing house answered');
  t.ok(
    down.requests.some((r) => r.path.startsWith('/compliance/v1')),
    'the first was tried',
  );
  t.equal(row!.profile, 'tagus-22.10');

  const served = await call(t, 'getCompliance', row!.id.replace(PUBLIC_BASE, svc.url));
  t.equal(served.status, 200);
  // Asked for JSON-LD (no Accept: application/vc+jwt), the service answers its JSON-LD credential.
  t.match(served.headers.get('content-type'), /application\/vc\+ld\+json/);
  t.equal(served.headers.get('gx-credential-state'), 'issued');
  const answer = served.body;
  t.equal((await call(t, 'getCompliance', `${svc.url}/compliance/${randomUUID()}`)).status, 404);
  t.equal(answer, fake.issued[0]!.body, 'served exactly as received');
  t.equal(fake.issued[0]!.form, 'json');
  const subjects = await verifyCompliance(t, answer, fake);
  const vc = JSON.parse(answer) as {
    credentialSubject: { id: string; 'gx:integrity': string }[];
    issuer: string;
    id: string;
  };
  t.equal(vc.issuer, fake.did);
  t.equal(vc.id, row!.id, 'its id is the vcid asked for');
  const covered = JSON.parse(row!.covered) as string[];
  t.equal(subjects.length, covered.length);
  t.equal(vc.credentialSubject.length, covered.length);
  t.ok(covered.length >= 3, `${covered.length} credentials covered`);
  for (const id of covered) {
    const bytes = await (await fetch(id.replace(PUBLIC_BASE, svc.url))).text();
    const entry = vc.credentialSubject.find((s) => s.id === id);
    t.equal(entry?.['gx:integrity'], sha(JSON.parse(bytes)), `the digest of the served bytes of ${id.slice(-40)}`);
  }
  t.ok(
    fake.requests.some((r) => r.path === '/registry/v1/shapes/implemented'),
    'the registry was asked for its implemented shapes',
  );
  t.ok(
    fake.requests.some((r) => r.path === '/registry/v1/api/trustAnchor/chain'),
    'and whether our chain is anchored',
  );

  // Catalogues find it beside what it covers: the listing (kind compliance), the change feed, the
  // cloud's presentation of that release.
  const listed = await call(t, 'listCredentials', `${svc.url}/credentials?kind=compliance`);
  const items = JSON.parse(listed.body).items as Record<string, unknown>[];
  t.match(items, [
    {
      id: row!.id,
      kind: 'compliance',
      types: ['compliance'],
      state: 'published',
      profile: 'tagus-22.10',
      clearingHouse: false,
      mediaType: 'application/vc+ld+json',
      validUntil: row!.valid_until,
    },
  ]);
  t.equal(
    JSON.parse((await call(t, 'listCredentials', `${svc.url}/credentials?kind=compliance&state=superseded`)).body).items
      .length,
    0,
  );
  const count = async (q: string) =>
    (JSON.parse((await call(t, 'listCredentials', `${svc.url}/credentials?kind=compliance&${q}`)).body).items as [])
      .length;
  t.equal(await count('type=gx:compliance'), 1, "the Tagus compliance credential's type selects it");
  t.equal(await count('type=LabelCredential'), 0, "the Loire one's does not");
  t.equal(await count('type=VMImage'), 0);
  const kinds = JSON.parse((await call(t, 'listCredentials', `${svc.url}/credentials?kind=legal-person`)).body)
    .items as { kind: string }[];
  t.ok(kinds.length > 0 && kinds.every((i) => i.kind === 'legal-person'), 'the kind filter for the others too');
  const feed = JSON.parse((await call(t, 'listChanges', `${svc.url}/changes?limit=1000`)).body).events as {
    type: string;
    credential: string;
  }[];
  t.match(feed.at(-1), { type: 'published', credential: row!.id }, 'in the change feed when issued');
  const vp = JSON.parse((await call(t, 'getPresentation', `${svc.url}/presentations/demo/22.10`)).body) as {
    verifiableCredential: { id: string }[];
  };
  t.ok(
    vp.verifiableCredential.some((c) => c.id === row!.id),
    "in the cloud's presentation, beside the credentials it covers",
  );

  await until(async () => events.events.length > 0);
  const event = events.events[0]!;
  t.equal(event.type, 'eu.gaia-x.credential');
  t.equal(event.datacontenttype, 'application/vc+ld+json');
  t.same(event.data, JSON.parse(answer), 'the event carries the compliance credential');

  const status = JSON.parse(
    (await call(t, 'complianceStatus', `${svc.url}/admin/compliance`, { headers: ADMIN })).body,
  );
  const metrics = await (await fetch(`${svc.url}/metrics`, { headers: ADMIN })).text();
  t.match(
    metrics,
    `gxg_compliance_valid_until_seconds{cloud="demo",profile="tagus-22.10"} ${Math.floor(Date.parse(row!.valid_until!) / 1000)}`,
    'its expiry in the metrics',
  );
  t.match(status, {
    clearingHouses: ['down', 'lab'],
    items: [{ profile: 'tagus-22.10', state: 'issued', due: false }],
  });
  const cli = await runCli(['compliance', 'status', '--url', svc.url], { env: { GXG_TOKEN: ADMIN_TOKEN } });
  t.equal(cli.code, 0, cli.err);
  t.match(cli.out, /demo tagus-22\.10: issued by lab at .*, valid until/);
  const dry = await runCli(['publish', '--dry-run', '--url', svc.url], { env: { GXG_TOKEN: ADMIN_TOKEN } });
  t.match(dry.out, /compliance: 0 would be queued/, 'nothing left to submit');
  const post = (body: object) =>
    call(t, 'publishNow', `${svc.url}/admin/publish`, {
      method: 'POST',
      headers: { ...ADMIN, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const unknown = await post({ to: 'nowhere' });
  t.equal(unknown.status, 400);
  t.match(JSON.parse(unknown.body), { detail: /no publish target nowhere: the targets are compliance/ });
  t.match(JSON.parse((await post({ dryRun: true })).body), {
    dryRun: true,
    targets: [{ target: 'compliance', queued: 0 }],
  });
});

t.test('a registry serving other terms and conditions: refused before anything is submitted', async (t) => {
  const gw: { svc?: ServiceUnderTest } = {};
  const fake = await clearingHouse(gw);
  fake.setTerms('Other terms and conditions than the ones our credential accepts.');
  const svc = await gatewayWithPeers(
    t,
    gw,
    {
      clouds: [{ id: 'demo', name: 'Demo', demo: true, intervalSeconds: 3600, profiles: ['tagus-22.10'] }],
      publish: {
        clearingHouses: [tagusHouse(fake)],
        outbox: { baseBackoffMs: 50, maxBackoffMs: 200, tickMs: 50 },
      },
    },
    [fake],
  );
  const refused = await firstComplianceAnswer(t, svc);
  t.equal(refused!.state, 'rejected');
  t.match(
    refused!.message,
    /the registry of lab serves other terms and conditions \(version 22\.10, sha256 [0-9a-f]{64}\)/,
  );
  t.notOk(
    fake.requests.some((r) => r.path.startsWith('/compliance/')),
    'nothing was sent to the compliance service',
  );
  const runs = await call(t, 'listRuns', `${svc.url}/admin/runs?cloud=demo&limit=1`, { headers: ADMIN });
  const [run] = (JSON.parse(runs.body) as { runs: { summary: { notes: string[] } }[] }).runs;
  t.match(
    run!.summary.notes,
    [/^tagus-22\.10: after the run, clearing house lab refused the set: the registry of lab serves other terms/],
    'the refusal in the record of the run whose set it was',
  );
});
