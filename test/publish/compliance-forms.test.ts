// Issue 19: the Tagus compliance service as it really answers (gx-compliance 1.x–2.1.0, read in its
// conversion services and jwt.util.ts), over real HTTP: its JSON-LD credential (what the gateway
// asks for), a VC-JWT, and for several credentials a VP-JWT of RS256 VC-JWTs without kid, each with
// a new random id. Every form is verified, stored and served as received; forged and mismatched
// answers are refused, and one that cannot be verified is a dead letter at once, not a retry loop.
// The Tagus set holds no type the registry does not list (no credentialStatus); a production
// clearing house's refusal of a self-issued registration number says what is needed.
import t from 'tap';
import { generateKeyPairSync } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader, SignJWT } from 'jose';
import { startFakeEventService } from '../../src/demo/ces.js';
import { implementedShapes, tagusFormFor } from '../../src/demo/gxdch.js';
import { COMPLIANCE_TARGET } from '../../src/publish/deliveries.js';
import { graphTypes, jcsDigest, type ClearingHouse } from '../../src/publish/compliance.js';
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
import { ADMIN, PUBLIC_BASE, settledRun, type ServiceUnderTest } from '../helpers/service.js';

const fast = { baseBackoffMs: 50, maxBackoffMs: 200, tickMs: 50 };
const tagusOnly = [{ id: 'demo', name: 'Demo', demo: true, intervalSeconds: 3600, profiles: ['tagus-22.10'] }];

t.test('the VP-JWT form: RS256 without kid, random inner ids; stored and served as received', async (t) => {
  const gw: { svc?: ServiceUnderTest } = {};
  const fake = await clearingHouse(gw);
  fake.tagusForm = 'vp+ld+jwt'; // what the service answers a set of several to Accept: application/vc+jwt
  const ces = await startFakeEventService();
  const svc = await gatewayWithPeers(
    t,
    gw,
    {
      publish: {
        clearingHouses: [tagusHouse(fake)],
        credentialEvents: { url: ces.url, allowHttp: true },
        outbox: fast,
      },
    },
    [fake, ces],
  );
  const store = svc.gw.service.store;
  t.equal((await settledRun(svc.url)).state, 'succeeded');
  await until(async () => (await store.compliance.list({ current: true })).length > 0);
  const [row] = await store.compliance.list({ current: true });
  t.equal(row!.state, 'issued');
  t.equal(row!.media_type, 'application/vp+ld+jwt');
  t.match(row!.id, new RegExp(`^${PUBLIC_BASE}/compliance/[0-9a-f-]{36}$`), 'stored at the vcid we asked for');
  const issuedIds = JSON.parse(row!.issued_ids) as string[];
  const covered = JSON.parse(row!.covered) as string[];
  t.equal(issuedIds.length, covered.length, 'one VC-JWT per credential sent');
  t.ok(
    issuedIds.every((id) => id.startsWith(`${fake.url}/credential-offers/`) && id !== row!.id),
    "the service's random ids, recorded beside the vcid",
  );
  const served = await call(t, 'getCompliance', row!.id.replace(PUBLIC_BASE, svc.url));
  t.equal(served.status, 200);
  t.match(served.headers.get('content-type'), /^application\/vp\+ld\+jwt/);
  t.equal(served.body, fake.issued[0]!.body, 'exactly what the clearing house signed');
  t.same(decodeProtectedHeader(served.body), { alg: 'RS256', typ: 'JWT' }, 'no kid, RS256');
  const payload = decodeJwt(served.body);
  t.notOk('id' in payload, 'the VP-JWT has no id');
  t.equal(payload.iss, fake.did);
  const subjects = await verifyCompliance(t, served.body, fake);
  for (const id of covered) {
    const bytes = await (await fetch(id.replace(PUBLIC_BASE, svc.url))).text();
    t.equal(
      subjects.find((s) => s.id === id)?.['gx:integrity'],
      sha(JSON.parse(bytes)),
      `the digest of ${id.slice(-40)}`,
    );
  }
  const vp = JSON.parse((await call(t, 'getPresentation', `${svc.url}/presentations/demo/22.10`)).body) as {
    verifiableCredential: { type?: string; id?: string }[];
  };
  const enveloped = vp.verifiableCredential.filter((c) => c.type === 'EnvelopedVerifiableCredential');
  t.equal(enveloped.length, issuedIds.length, 'the presentation holds its VC-JWTs, each enveloped');
  t.ok(enveloped.every((c) => c.id!.startsWith('data:application/vc+jwt,')));
  const status = JSON.parse(
    (await call(t, 'complianceStatus', `${svc.url}/admin/compliance`, { headers: ADMIN })).body,
  );
  t.match(status.items, [{ profile: 'tagus-22.10', state: 'issued' }]);

  // The event service, read as the XFSC catalogue's CES subscriber reads it: `data` a JSON object
  // whose credentialSubject array names each credential and its digest (it never reads data_base64).
  await until(async () => ces.events.length >= issuedIds.length);
  t.ok(
    ces.events.every((e) => e.data_base64 === undefined && e.subject === row!.id),
    'decoded, the signed bytes at subject',
  );
  const read = ces.events.flatMap(
    (e) => (e.data as { credentialSubject: { id: string; 'gx:integrity': string }[] }).credentialSubject,
  );
  t.same(read.map((s) => s.id).sort(), [...covered].sort(), 'every credential covered, one event per VC-JWT');
  t.same(
    read.map((s) => s['gx:integrity']).sort(),
    subjects.map((s) => s['gx:integrity']).sort(),
    'with the digests the clearing house signed',
  );
  const listed = await fetch(`${ces.url}/credentials-events?page=0&size=100`);
  const first = ((await listed.json()) as { id: string; cesreceiveddate: string }[])[0]!;
  t.match(first.cesreceiveddate, /^\d{4}-/, 'the service adds cesreceiveddate');
  t.equal(
    (await fetch(`${ces.url}/credentials-events/${encodeURIComponent(first.id)}`)).status,
    200,
    'and answers each by id',
  );
});

t.test('every form is taken; forged, foreign and mismatched answers are not', async (t) => {
  const gw: { svc?: ServiceUnderTest } = {};
  const fake = await clearingHouse(gw);
  const svc = await gatewayWithPeers(
    t,
    gw,
    { clouds: tagusOnly, publish: { clearingHouses: [tagusHouse(fake)], outbox: fast } },
    [fake],
  );
  const store = svc.gw.service.store;
  const compliance = svc.gw.service.compliance!;
  t.equal((await settledRun(svc.url)).state, 'succeeded');
  await until(async () => (await store.compliance.list({ current: true })).length > 0);
  t.equal(fake.issued[0]!.form, 'json', 'asked for JSON-LD, the service answers JSON-LD');
  const rows = await store.credentials.publishedBodies('demo', 'tagus-22.10', true);

  // The set as published holds only types the registry lists: no credentialStatus in Tagus.
  const listed = new Set(implementedShapes());
  for (const r of rows) {
    const doc = JSON.parse(r.body) as Record<string, unknown>;
    t.notOk('credentialStatus' in doc, `${r.id.slice(-40)}: no credentialStatus`);
    for (const { type } of graphTypes(doc)) t.ok(listed.has(type.replace(/^gx:/, '')), `${type} is a registry shape`);
  }

  const sent = rows.map((r) => ({ id: r.id, digest: jcsDigest(JSON.parse(r.body)) }));
  const ch: ClearingHouse = {
    name: 'lab',
    tagusUrl: `${fake.url}/compliance/v1`,
    did: fake.did,
    label: 'standard-compliance',
    trustAnchors: [],
    timeoutMs: 10_000,
    allowHttp: true,
  };
  const ask = async (vcid: string, accept?: string) => {
    const r = await fetch(`${fake.url}/compliance/v1/api/credential-offers?vcid=${encodeURIComponent(vcid)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(accept ? { accept } : {}) },
      body: JSON.stringify({
        '@context': ['https://www.w3.org/2018/credentials/v1'],
        type: ['VerifiablePresentation'],
        verifiableCredential: rows.map((r) => JSON.parse(r.body)),
      }),
    });
    t.equal(r.status, 201);
    return { type: r.headers.get('content-type') ?? '', text: await r.text() };
  };
  const check = (vcid: string, a: { type: string; text: string }, s = sent) =>
    compliance.checkTagus(ch, a.type, a.text, vcid, s);

  // Each form, as the service picks it from Accept (a single credential makes a VC-JWT).
  t.same(tagusFormFor(undefined, 3).form, 'json');
  t.same(tagusFormFor('*/*', 3).form, 'json');
  t.same(tagusFormFor('application/vc+jwt', 3), { form: 'vp+ld+jwt', type: 'application/vp+ld+jwt' });
  t.same(tagusFormFor('application/vc+jwt', 1), { form: 'vc+jwt', type: 'application/vc+jwt' });
  t.same(tagusFormFor('application/json;q=0.5, application/jwt', 1).form, 'vc+jwt');
  const answers: Record<string, { type: string; text: string }> = {};
  for (const [form, accept] of [
    ['json', undefined],
    ['vp+ld+jwt', 'application/vc+jwt'],
  ] as const) {
    const vcid = `${PUBLIC_BASE}/compliance/00000000-0000-4000-8000-00000000000${form.length}`;
    answers[form] = await ask(vcid, accept);
    const ok = await check(vcid, answers[form]!);
    t.equal(typeof ok, 'object', `${form}: taken (${typeof ok === 'string' ? ok : 'verified'})`);
    if (typeof ok === 'object') t.equal(ok.body, answers[form]!.text, `${form}: its exact bytes are kept`);
  }
  // A VC-JWT (one credential sent): the `vc` claim holds the credential, with our vcid.
  const single = sent.slice(0, 1);
  const vcid1 = `${PUBLIC_BASE}/compliance/00000000-0000-4000-8000-000000000001`;
  const one = await fetch(`${fake.url}/compliance/v1/api/credential-offers?vcid=${encodeURIComponent(vcid1)}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/vc+jwt' },
    body: JSON.stringify({
      '@context': ['https://www.w3.org/2018/credentials/v1'],
      type: ['VerifiablePresentation'],
      verifiableCredential: rows.map((r) => JSON.parse(r.body)),
    }),
  });
  t.equal(
    one.headers.get('content-type'),
    'application/vp+ld+jwt',
    'several sent: the VP-JWT, even when a VC-JWT is asked for',
  );
  fake.tagusForm = 'vc+jwt';
  const vcJwt = await ask(vcid1, 'application/vc+jwt');
  fake.tagusForm = undefined;
  t.match(await check(vcid1, vcJwt, single), { mediaType: 'application/vc+jwt', issuedIds: [] }, 'the VC-JWT form');

  // Forged: a signature changed, a key the clearing house does not publish, our digest not theirs.
  const jwt = answers['vp+ld+jwt']!;
  const vcid4 = `${PUBLIC_BASE}/compliance/00000000-0000-4000-8000-000000000009`;
  const [h, p, sig] = jwt.text.split('.');
  const flipped = `${h}.${p}.${sig!.slice(0, 10)}${sig![10] === 'A' ? 'B' : 'A'}${sig!.slice(11)}`;
  t.match(
    await check(vcid4, { type: jwt.type, text: flipped }),
    new RegExp(`RS256 JWT without kid: no key of ${fake.did.replace(/[.%]/g, '\\$&')} verifies it`),
  );
  const foreign = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const forged = await new SignJWT(decodeJwt(jwt.text))
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
    .sign(foreign.privateKey);
  t.match(
    await check(vcid4, { type: jwt.type, text: forged }),
    /no key of .* verifies it/,
    'a key it does not publish',
  );
  const ld = answers.json!;
  const ldVcid = JSON.parse(ld.text).id as string;
  const mismatched = sent.map((s, n) => (n === 0 ? { ...s, digest: `sha256-${'0'.repeat(64)}` } : s));
  t.match(await check(ldVcid, ld, mismatched), /its digest of .* is sha256-[0-9a-f]{64}, not sha256-0{64}/);
  t.match(await check(vcid4, ld), /its id is .*, not the vcid/, 'another vcid');
  const edited = JSON.stringify({ ...JSON.parse(ld.text), expirationDate: '2099-01-01T00:00:00.000Z' });
  t.equal(
    typeof (await check(ldVcid, { type: ld.type, text: edited })),
    'string',
    'a JSON-LD credential changed after signing',
  );
  t.match(await check(vcid4, { type: 'text/html', text: '<html>' }), /neither JSON-LD nor a JWT/);
});

t.test('an answer that cannot be verified is a dead letter after one attempt, saying why', async (t) => {
  const gw: { svc?: ServiceUnderTest } = {};
  const fake = await clearingHouse(gw);
  fake.tagusForm = 'vp+ld+jwt';
  // A clearing house whose answers are signed with a key its DID document does not list.
  const foreign = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const forged = await new SignJWT({ vp: { type: ['VerifiablePresentation'], verifiableCredential: [] } })
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
    .setIssuer(fake.did)
    .sign(foreign.privateKey);
  fake.tamper = () => forged;
  const svc = await gatewayWithPeers(
    t,
    gw,
    { clouds: tagusOnly, publish: { clearingHouses: [tagusHouse(fake)], outbox: { ...fast, maxAttempts: 5 } } },
    [fake],
  );
  const store = svc.gw.service.store;
  t.equal((await settledRun(svc.url)).state, 'succeeded');
  await until(async () => (await store.outbox.list({ target: COMPLIANCE_TARGET, state: 'dead', limit: 5 })).length > 0);
  const [dead] = await store.outbox.list({ target: COMPLIANCE_TARGET, state: 'dead', limit: 5 });
  t.equal(dead!.attempts, 1, 'not retried: sent again it would come back the same');
  t.match(
    dead!.last_error,
    /lab: its compliance credential does not verify: RS256 JWT without kid: no key of did:web:.* verifies it/,
  );
  t.equal(fake.counts.issued, 1, 'the clearing house was asked once');
  t.same(await store.compliance.list({ current: true }), [], 'nothing stored');
});

t.test(
  "a production clearing house refuses a self-issued registration number; the run's record says what is needed",
  async (t) => {
    const gw: { svc?: ServiceUnderTest } = {};
    const fake = await clearingHouse(gw);
    const svc = await gatewayWithPeers(
      t,
      gw,
      { clouds: tagusOnly, publish: { clearingHouses: [tagusHouse(fake, { production: true })], outbox: fast } },
      [fake],
    );
    const refused = await firstComplianceAnswer(t, svc);
    t.equal(refused!.state, 'rejected');
    t.match(
      refused!.message,
      /409: Conflict: the rules do not hold\n {2}- The issuer of the LegalRegistrationNumber VerifiableCredential is not trusted/,
    );
    t.match(refused!.message, /lab runs in production and takes only a notary's registration-number credential/);
    t.ok(
      fake.requests.some((r) => /[?&]production=true/.test(r.path)),
      'asked as production=true',
    );
    const runs = await call(t, 'listRuns', `${svc.url}/admin/runs?cloud=demo&limit=1`, { headers: ADMIN });
    const [run] = (JSON.parse(runs.body) as { runs: { summary: { notes: string[] } }[] }).runs;
    t.match(run!.summary.notes.join('\n'), /notaryUrl/, "the run's record names the fix");
  },
);

t.test('the registry check names the types it does not list (a Tagus set with status entries)', async (t) => {
  const gw: { svc?: ServiceUnderTest } = {};
  const fake = await clearingHouse(gw);
  const svc = await gatewayWithPeers(
    t,
    gw,
    {
      clouds: tagusOnly,
      signing: { credentialStatus: { 'tagus-22.10': 'status-list' } },
      publish: { clearingHouses: [tagusHouse(fake)], outbox: fast },
    },
    [fake],
  );
  const store = svc.gw.service.store;
  const refused = await firstComplianceAnswer(t, svc);
  t.equal(refused!.state, 'rejected');
  t.match(refused!.message, /does not implement the type\(s\) StatusList2021Entry \(credentialStatus of http/);
  t.notOk(
    fake.requests.some((r) => r.path.startsWith('/compliance/')),
    'nothing was sent',
  );
  // The service itself refuses such a set the way the real one does.
  const rows = await store.credentials.publishedBodies('demo', 'tagus-22.10', true);
  const r = await fetch(
    `${fake.url}/compliance/v1/api/credential-offers?vcid=${encodeURIComponent(`${PUBLIC_BASE}/compliance/x`)}`,
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        type: ['VerifiablePresentation'],
        verifiableCredential: rows.map((x) => JSON.parse(x.body)),
      }),
    },
  );
  t.equal(r.status, 409);
  t.same(await r.json(), {
    message: 'VerifiableCrdential contains a shape that is not defined in registry shapes',
    error: 'Conflict',
    statusCode: 409,
  });
});
