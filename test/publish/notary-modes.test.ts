// The Gaia-X notary (see notary.test.ts), continued: which catalogues take its credentials, approval
// mode (its credentials are published at once, ours wait for an officer), and answers that are not
// taken (oversized, unverifiable). A file of its own, so neither half nears tap's time limit.
import t from 'tap';
import { issuedElsewhere } from '../../src/store/store.js';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeJwt } from 'jose';
import { catalogueDeliveries } from '../../src/publish/deliveries.js';
import { startFake } from '../../src/demo/http.js';
import { NotaryClient } from '../../src/publish/notary.js';
import { contractErrors } from '../helpers/contract.js';
import { house, scratch } from '../helpers/notary.js';
import { clearingHouse, gatewayWithPeers } from '../helpers/peers.js';
import { PUBLIC_BASE, settledRun, type ServiceUnderTest } from '../helpers/service.js';

const dir = scratch(t);

t.test("a 2025 catalogue (JSON-LD only) is not sent a notary's VC-JWT; a 2026 one is", async (t) => {
  const items = catalogueDeliveries(['old', 'new', 'compliance'], {
    cloud: 'demo',
    added: [
      { id: 'https://p.example/credentials/25.11/legal-person/v/1', clearing_house: 1, media_type: 'application/vc' },
      {
        id: 'https://p.example/credentials/25.11/registration-number/vatID/v/1',
        clearing_house: 1,
        media_type: 'application/vc+jwt',
      },
    ],
    removed: [],
    ldOnly: ['old'],
  });
  t.same(
    items.filter((i) => i.action === 'add').map((i) => `${i.target} ${i.subject.split('/').slice(-3).join('/')}`),
    ['old legal-person/v/1', 'new legal-person/v/1', 'new vatID/v/1'],
  );
  t.equal(items.filter((i) => i.target === 'compliance').length, 1, 'one compliance request for the change');
});

t.test("approval mode: the notary's credentials are published at once, ours wait for an officer", async (t) => {
  const gw: { svc?: ServiceUnderTest } = {};
  const lab = await clearingHouse(gw);
  const anchor = join(dir, 'root-3.pem');
  writeFileSync(anchor, lab.rootPem);
  const svc = await gatewayWithPeers(
    t,
    gw,
    {
      // The officer's approval signs each profile with its suite: 25.11 as VC-JWTs, Tagus JSON-LD.
      signing: { mode: 'approval', suites: { 'gaia-x-25.11': 'vc-jose' } },
      publish: { clearingHouses: [house('lab', lab, anchor, false)] },
    },
    [lab],
  );
  const run = await settledRun(svc.url);
  t.equal(run.state, 'succeeded', String(run.error));
  const store = svc.gw.service.store;
  const published = await store.credentials.list({ state: 'published', limit: 1000 } as never);
  t.same(
    published.map((r) => `${r.profile} ${r.kind} ${issuedElsewhere(r) ? 'notary' : 'ours'}`).sort(),
    ['gaia-x-25.11 registration-number notary', 'tagus-22.10 registration-number notary'],
    "only the notary's credentials are published: no signature of ours without an officer",
  );
  const drafts = await store.drafts.list({ cloud: 'demo' });
  t.ok(drafts.length > 50, `${drafts.length} drafts wait`);
  t.notOk(
    drafts.some((d) => d.kind === 'registration-number'),
    'no draft of a registration number the notary issued',
  );
  const approvals = svc.gw.service.approvals;
  const { approved } = await approvals.approve({ cloud: 'demo' }, 'officer');
  t.equal(approved.length, drafts.length, 'the officer approves the rest');
  const now = await store.credentials.list({ state: 'published', limit: 1000 } as never);
  t.ok(
    now.every((r) => (r.profile === 'gaia-x-25.11') === (r.media_type === 'application/vc+jwt')),
    "approved with each profile's suite: 25.11 VC-JWTs, Tagus JSON-LD",
  );
  t.equal((await store.statusLists.of('demo', 'gaia-x-25.11'))[0]!.media_type, 'application/vc+jwt');
  const lp = (await store.credentials.list({ state: 'published', limit: 1000 } as never)).find(
    (r) => r.kind === 'legal-person' && r.profile === 'gaia-x-25.11',
  )!;
  const notarized = published.find((r) => r.profile === 'gaia-x-25.11')!;
  const legal = decodeJwt((await store.credentials.get(lp.id))!.body) as unknown as {
    credentialSubject: { registrationNumber: string[] };
  };
  t.ok(legal.credentialSubject.registrationNumber.includes(notarized.subject), "referencing the notary's subject");

  // An officer may withdraw it: revoked here (410), no status list of ours touched.
  const lists = await store.statusLists.of('demo', 'gaia-x-25.11');
  await approvals.revoke([notarized.id], 'the VAT ID was reassigned', 'officer');
  const gone = await fetch(notarized.id.replace(PUBLIC_BASE, svc.url));
  const body = await gone.text();
  t.equal(gone.status, 410);
  t.same(contractErrors('getCredential', gone.status, gone.headers.get('content-type'), body), []);
  t.notOk('credentialStatus' in (JSON.parse(body) as object), 'no status entry of ours to point to');
  t.same(
    (await store.statusLists.of('demo', 'gaia-x-25.11')).map((l) => l.bits),
    lists.map((l) => l.bits),
    'no status bit set',
  );
});

t.test('an oversized or unverifiable answer is not taken: the next notary, or a clear failure', async (t) => {
  const huge = await startFake(() => ({ status: 200, text: 'x'.repeat(2 << 20) }));
  const forged = await startFake(() => ({ status: 200, text: 'eyJhbGciOiJub25lIn0.eyJpZCI6IngifQ.' }));
  t.teardown(() => Promise.all([huge.close(), forged.close()]));
  const ch = (name: string, url: string) => ({
    name,
    notaryUrl: url,
    label: 'standard-compliance',
    trustAnchors: [],
    timeoutMs: 5000,
    allowHttp: true,
  });
  const notary = new NotaryClient({
    clearingHouses: [ch('huge', huge.url), ch('forged', forged.url)],
    // Neither answer gets as far as its signature.
    verify: () => Promise.reject(new Error('not reached')),
    renewBeforeMs: 0,
  });
  t.teardown(() => notary.close());
  const described = {
    id: 'https://p.example/credentials/25.11/registration-number/vatID',
    kind: 'registration-number' as const,
    subject: 'https://p.example/gx/registration-number/vatID',
    clearingHouse: true,
    contentHash: 'h',
    credential: {
      credentialSubject: { id: 'https://p.example/gx/registration-number/vatID', type: 'VatID', vatID: 'DE123456789' },
    },
  };
  t.ok(notary.takes('gaia-x-25.11', described));
  await t.rejects(
    notary.issue('gaia-x-25.11', described, `${described.id}/v/1`),
    /no notary answered: huge: the answer of 127\.0\.0\.1:\d+ is larger than 1048576 bytes; forged: its registration-number credential does not verify: issued by undefined/,
  );
  t.match(huge.requests[0]?.path, /^\/v2\/registration-numbers\/vat-id\/DE123456789\?vcId=.*&subjectId=/);
});
