// Records the Tagus compliance service's answers, in each form the real service produces
// (gx-compliance 1.x–2.1.0: its JSON-LD credential, a VC-JWT, a VP-JWT of RS256 VC-JWTs without kid),
// with the clearing house's DID document and x5u chains, into test/fixtures/gxdch-tagus/ for
// compliance-recorded.test.ts. Made with our own keys by the demo clearing house on port 29431 (the
// DID names the port; below the ephemeral range, so the test can serve it again). Not part of the
// suite; run after `npm run build:test`: node dist/test/publish/record-tagus-answers.js
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { jcsDigest } from '../../src/publish/compliance.js';
import { clearingHouse, gatewayWithPeers, tagusHouse, until } from '../helpers/peers.js';
import { root } from '../helpers/root.js';
import { PUBLIC_BASE, settledRun, type ServiceUnderTest } from '../helpers/service.js';

export const RECORDED_PORT = 29431;
const out = join(root, 'test', 'fixtures', 'gxdch-tagus');

t.test('record', async (t) => {
  const gw: { svc?: ServiceUnderTest } = {};
  const fake = await clearingHouse(gw, RECORDED_PORT);
  const svc = await gatewayWithPeers(
    t,
    gw,
    {
      clouds: [{ id: 'demo', name: 'Demo', demo: true, intervalSeconds: 3600, profiles: ['tagus-22.10'] }],
      publish: { clearingHouses: [tagusHouse(fake)], outbox: { baseBackoffMs: 50, maxBackoffMs: 200, tickMs: 50 } },
    },
    [fake],
  );
  t.equal((await settledRun(svc.url)).state, 'succeeded');
  const store = svc.gw.service.store;
  await until(async () => (await store.compliance.list({ current: true })).length > 0);
  const rows = await store.credentials.publishedBodies('demo', 'tagus-22.10', true);
  const presentation = JSON.stringify({
    '@context': ['https://www.w3.org/2018/credentials/v1'],
    type: ['VerifiablePresentation'],
    verifiableCredential: rows.map((r) => JSON.parse(r.body) as unknown),
  });
  const sent = rows.map((r) => ({ id: r.id, digest: jcsDigest(JSON.parse(r.body)) }));
  // What each answer covers: the whole set, but a VC-JWT names one credential (the service makes
  // one for a single credential sent).
  const answers: { form: string; vcid: string; contentType: string; covers: number; body: string }[] = [];
  for (const [form, accept, forced] of [
    ['json', undefined, undefined],
    ['vp+ld+jwt', 'application/vc+jwt', undefined],
    ['vc+jwt', 'application/vc+jwt', 'vc+jwt'],
  ] as const) {
    fake.tagusForm = forced;
    const vcid = `${PUBLIC_BASE}/compliance/00000000-0000-4000-8000-0000000000${String(answers.length + 1).padStart(2, '0')}`;
    const r = await fetch(`${fake.url}/compliance/v1/api/credential-offers?vcid=${encodeURIComponent(vcid)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(accept ? { accept } : {}) },
      body: presentation,
    });
    t.equal(r.status, 201, form);
    answers.push({
      form,
      vcid,
      contentType: r.headers.get('content-type') ?? '',
      covers: form === 'vc+jwt' ? 1 : sent.length,
      body: await r.text(),
    });
  }
  const files: Record<string, { contentType: string; body: string }> = {};
  for (const path of [
    '/.well-known/did.json',
    '/.well-known/x509CertificateChain.pem',
    '/.well-known/x509CertificateChain-rsa.pem',
  ]) {
    const r = await fetch(`${fake.url}${path}`);
    files[path] = { contentType: r.headers.get('content-type') ?? '', body: await r.text() };
  }
  const recorded = {
    recordedAt: new Date().toISOString(),
    did: fake.did,
    port: RECORDED_PORT,
    sent,
  };
  writeFileSync(join(out, 'recorded.json'), `${JSON.stringify(recorded, null, 2)}\n`);
  writeFileSync(join(out, 'answers.json'), `${JSON.stringify(answers, null, 2)}\n`);
  writeFileSync(join(out, 'files.json'), `${JSON.stringify(files, null, 2)}\n`);
  t.pass(`recorded ${answers.length} answers of ${fake.did}`);
});
