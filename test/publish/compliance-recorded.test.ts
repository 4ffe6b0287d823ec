// The Tagus compliance service's answers as recorded (test/fixtures/gxdch-tagus, made by
// record-tagus-answers.ts with our own keys in the forms of gx-compliance 1.x–2.1.0): the JSON-LD
// credential, a VC-JWT, and the VP-JWT of RS256 VC-JWTs without kid and with random ids. The
// clearing house's DID document and x5u chains are served again, as recorded, over real HTTP on
// the port its DID names; the publisher's check takes each form as recorded, keeps its exact bytes,
// and refuses it when anything it names does not hold: another vcid, another digest, a changed
// byte, an expired answer, another issuer.
import t from 'tap';
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { CompliancePublisher, type ClearingHouse } from '../../src/publish/compliance.js';
import type { Store } from '../../src/store/store.js';
import { tempGateway } from '../helpers/gateway.js';
import { root } from '../helpers/root.js';

const dir = join(root, 'test', 'fixtures', 'gxdch-tagus');
const read = <T>(name: string) => JSON.parse(readFileSync(join(dir, name), 'utf8')) as T;
const recorded = read<{ recordedAt: string; did: string; port: number; sent: { id: string; digest: string }[] }>(
  'recorded.json',
);
const answers =
  read<{ form: string; vcid: string; contentType: string; covers: number; body: string }[]>('answers.json');
/** What an answer was made for: the set sent (a VC-JWT covers the first credential only). */
const sentFor = (a: { covers: number }) => recorded.sent.slice(0, a.covers);
const files = read<Record<string, { contentType: string; body: string }>>('files.json');

// The clearing house's DID document and chains, served as recorded on the port its DID names.
const server = createServer((req, res) => {
  const file = files[new URL(req.url ?? '/', 'http://x').pathname];
  if (!file) return res.writeHead(404).end();
  res.writeHead(200, { 'content-type': file.contentType }).end(file.body);
});
await new Promise<void>((resolve, reject) => {
  server.once('error', reject);
  server.listen(recorded.port, '127.0.0.1', resolve);
});
const gateway = tempGateway();
t.teardown(async () => {
  server.close();
  await gateway.cleanup();
});

const ch: ClearingHouse = {
  name: 'recorded',
  tagusUrl: `http://127.0.0.1:${recorded.port}/compliance/v1`,
  did: recorded.did,
  label: 'standard-compliance',
  trustAnchors: [],
  timeoutMs: 10_000,
  allowHttp: true,
};
const publisher = (at: Date) =>
  new CompliancePublisher({
    store: {} as Store,
    clearingHouses: [ch],
    newId: (k) => k,
    presentJwt: () => Promise.reject(new Error('not used')),
    chainOf: () => undefined,
    renewBeforeMs: 0,
    verify: (input, peer) => gateway.service.verify(input, peer),
    now: () => at,
  });
// A day after it was recorded: the answers are valid then (the service makes them valid 90 days).
const dayAfter = new Date(Date.parse(recorded.recordedAt) + 86_400_000);
const checker = publisher(dayAfter);
t.teardown(() => checker.close());
const byForm = (form: string) => answers.find((a) => a.form === form)!;

t.test('each recorded form is taken as recorded', async (t) => {
  t.same(
    answers.map((a) => [a.form, a.contentType.split(';')[0]]),
    [
      ['json', 'application/json'],
      ['vp+ld+jwt', 'application/vp+ld+jwt'],
      ['vc+jwt', 'application/vc+jwt'],
    ],
    'the forms and content types of the real service',
  );
  for (const a of answers) {
    const ok = await checker.checkTagus(ch, a.contentType, a.body, a.vcid, sentFor(a));
    if (typeof ok === 'string') {
      t.fail(`${a.form}: ${ok}`);
      continue;
    }
    t.equal(ok.body, a.body, `${a.form}: its exact bytes are kept`);
    t.ok(Date.parse(ok.validUntil) > dayAfter.getTime(), `${a.form}: valid until ${ok.validUntil}`);
  }
  const vp = byForm('vp+ld+jwt');
  t.same(decodeProtectedHeader(vp.body), { alg: 'RS256', typ: 'JWT' }, 'the VP-JWT: RS256, no kid');
  const inner = (decodeJwt(vp.body).vp as { verifiableCredential: string[] }).verifiableCredential;
  t.equal(inner.length, recorded.sent.length, 'one VC-JWT per credential sent');
  const checked = await checker.checkTagus(ch, vp.contentType, vp.body, vp.vcid, recorded.sent);
  if (typeof checked === 'object') {
    t.equal(checked.issuedIds.length, inner.length, "the service's random ids are recorded");
    t.notOk(checked.issuedIds.includes(vp.vcid), 'none of them is the vcid asked for');
  }
  const json = JSON.parse(byForm('json').body) as { credentialSubject: unknown[]; proof: { type: string } };
  t.ok(Array.isArray(json.credentialSubject), 'the JSON-LD credential: an array subject');
  t.equal(json.proof.type, 'JsonWebSignature2020');
});

t.test('refused when anything it names does not hold', async (t) => {
  for (const a of answers) {
    const sent = sentFor(a);
    const other = await checker.checkTagus(ch, a.contentType, a.body, `${a.vcid}0`, sent);
    if (a.form === 'vp+ld+jwt') t.equal(typeof other, 'object', 'vp+ld+jwt: inner ids are random, the vcid is ours');
    else t.match(other, /not the vcid/, `${a.form}: another vcid`);
    const digest = sent.map((s, i) => (i ? s : { ...s, digest: `sha256-${'0'.repeat(64)}` }));
    t.match(
      await checker.checkTagus(ch, a.contentType, a.body, a.vcid, digest),
      /its digest of .* is sha256-[0-9a-f]{64}, not sha256-0{64}/,
      `${a.form}: another digest`,
    );
    const extra = [...sent, { id: 'https://provider.example/not-sent', digest: 'sha256-x' }];
    t.match(
      await checker.checkTagus(ch, a.contentType, a.body, a.vcid, extra),
      /does not cover https:\/\/provider\.example\/not-sent/,
      `${a.form}: a credential it does not cover`,
    );
    const late = publisher(new Date(Date.parse(recorded.recordedAt) + 91 * 86_400_000));
    t.match(
      await late.checkTagus(ch, a.contentType, a.body, a.vcid, sent),
      /not valid|expired|"exp"/,
      `${a.form}: expired 91 days on`,
    );
    await late.close();
    const foreign = { ...ch, did: 'did:web:compliance.lab.gaia-x.eu:v1' };
    t.match(
      await checker.checkTagus(foreign, a.contentType, a.body, a.vcid, sent),
      /did:web:compliance\.lab\.gaia-x\.eu:v1/,
      `${a.form}: not the configured clearing house's`,
    );
  }
  // One changed byte in what was signed.
  const json = byForm('json');
  const changed = json.body.replace(/"gx:version": ?"22\.10"/, '"gx:version": "22.11"');
  t.not(changed, json.body);
  t.type(await checker.checkTagus(ch, json.contentType, changed, json.vcid, recorded.sent), 'string', 'json: changed');
  const vp = byForm('vp+ld+jwt');
  const [h, p, s] = vp.body.split('.');
  const payload = JSON.parse(Buffer.from(p!, 'base64url').toString()) as { iss: string };
  payload.iss = `${payload.iss} `;
  const forged = `${h}.${Buffer.from(JSON.stringify(payload)).toString('base64url')}.${s}`;
  t.match(
    await checker.checkTagus(ch, vp.contentType, forged, vp.vcid, recorded.sent),
    /no key of did:web:.* verifies it|signature|issued by/,
    'vp+ld+jwt: a changed payload',
  );
});
