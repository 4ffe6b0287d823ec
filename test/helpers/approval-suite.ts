// Approval mode end to end over HTTP on a real gateway with the demo cloud and the fake OIDC
// provider: nothing signed without an officer; an officer (OIDC token) approves, rejects, signs with
// their own keys through OpenSSL (RSA and Ed25519), revokes; every answer matches openapi.yaml and
// what is published verifies under independent verifiers against the served DID document.
import type { Test } from 'tap';
import { randomBytes } from 'node:crypto';
import * as vc from '@digitalbazaar/vc';
import { Ed25519Signature2020 } from '@digitalbazaar/ed25519-signature-2020';
import { exportJWK } from 'jose';
import { startFakeOidc } from '../../src/demo/oidc.js';
import { Bitstring } from '../../src/status/bitstring.js';
import { contractErrors } from './contract.js';
import type { TestDatabase } from './databases.js';
import { independentLoader, verifyJws2020 } from './independent.js';
import { officerKey, opensslSign } from './officer.js';
import { createTestCa, issueLeaf } from './pki.js';
import { ADMIN, PUBLIC_BASE, removeDir, settledRun, startService } from './service.js';

/** The approval flow over HTTP on one database (SQLite or PostgreSQL). */
export async function approvalSuite(t: Test, db: TestDatabase): Promise<void> {
  const idp = await startFakeOidc({ audience: 'gx-gateway' });
  const svc = await startService(db.location, {
    signing: { mode: 'approval' },
    auth: { oidc: { issuer: idp.issuer, audience: 'gx-gateway', allowHttp: true } },
  });
  t.teardown(async () => {
    await svc.close();
    await idp.close();
    await db.drop();
    removeDir(svc.dir);
  });

  const OFFICER = { authorization: `Bearer ${await idp.tokenFor('alice')}` };
  // The answers are checked against openapi.yaml; the test reads them loosely.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  type Json = Record<string, any>;
  const local = (id: string) => (id.startsWith(PUBLIC_BASE) ? id.slice(PUBLIC_BASE.length) : id);
  type Answer = { status: number; type: string | null; body: string; headers: Headers };
  const call = async (op: string, path: string, init: RequestInit = {}, check = true): Promise<Answer> => {
    const r = await fetch(`${svc.url}${path}`, init);
    const body = await r.text();
    if (check) {
      const errors = contractErrors(op, r.status, r.headers.get('content-type'), body);
      if (errors.length) throw new Error(errors.join('\n'));
    }
    return { status: r.status, type: r.headers.get('content-type'), body, headers: r.headers };
  };
  const json = (a: Answer) => JSON.parse(a.body) as Json;
  const post = (headers: Record<string, string>, body: unknown): RequestInit => ({
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  type Draft = { id: string; resource: string; profile: string; kind: string; replaces: string | null; state: string };
  const pending = async () => {
    const list = json(await call('listDrafts', '/admin/drafts', { headers: OFFICER }));
    return (list.sets as { drafts: Draft[]; revocations: Draft[]; profile: string }[]).flatMap((s) => s.drafts);
  };

  const first = (await settledRun(svc.url)) as Json;
  t.equal(first.state, 'succeeded', `the first run succeeded ${first.error ?? ''}`);

  t.test('a run in approval mode signs nothing: drafts only', async (t) => {
    t.equal(first.stages.sign.status, 'held');
    const summary = first.summary['gaia-x-25.11'];
    t.ok(summary.drafted > 50, `${summary.drafted} drafts of 25.11`);
    t.same(json(await call('listCredentials', '/credentials')).items, [], 'nothing listed publicly');
    t.same(json(await call('listChanges', '/changes')).events, [], 'no change event');
    const drafts = await pending();
    t.equal(drafts.length, summary.drafted + first.summary['tagus-22.10'].drafted);
    t.equal((await call('getCredential', local(drafts[0]!.id))).status, 404, 'a draft is not public');
    const rows = await svc.gw.service.store.drafts.list({ states: ['draft'] });
    t.ok(
      rows.every((r) => !JSON.parse(r.body).proof && r.media_type === 'application/json'),
      'no draft carries a proof',
    );
    const statusUrl = (
      JSON.parse(rows.find((r) => r.profile === 'gaia-x-25.11')!.body).credentialStatus as {
        statusListCredential?: string;
        id?: string;
      }
    ).statusListCredential!;
    t.equal((await call('getStatusList', local(statusUrl))).status, 404, 'its status list is not signed yet');
    const detail = json(
      await call('getDraft', `/admin/drafts/item?id=${encodeURIComponent(drafts[0]!.id)}`, { headers: OFFICER }),
    );
    t.equal(detail.added, true, 'a new resource: nothing published to compare with');
    t.equal(detail.credential.id, drafts[0]!.id);
  });

  const rsa = officerKey('rsa', 'alice-rsa');
  const ed = officerKey('ed25519', 'alice-ed');

  t.test('an admin registers officer keys; they join the DID document', async (t) => {
    const ca = await createTestCa('officer CA');
    const chain = `${(await issueLeaf(ca, ed.publicKey)).trim()}\n${ca.certPem.trim()}\n`;
    const a = await call(
      'addOfficerKey',
      '/admin/officer-keys',
      post(ADMIN, { id: 'alice-rsa', officer: 'Alice', jwk: await exportJWK(rsa.publicKey) }),
    );
    t.equal(a.status, 201, a.body);
    const b = await call(
      'addOfficerKey',
      '/admin/officer-keys',
      post(ADMIN, { id: 'alice-ed', officer: 'Alice', pem: ed.publicPem, chainPem: chain }),
    );
    t.equal(b.status, 201, b.body);
    t.match(json(b), { type: 'Ed25519', alg: 'EdDSA', x5u: `${PUBLIC_BASE}/x509/alice-ed.pem` });
    const priv = await call(
      'addOfficerKey',
      '/admin/officer-keys',
      post(ADMIN, { id: 'x', officer: 'X', pem: rsa.privatePem }),
    );
    t.equal(priv.status, 422, 'a private key is refused');
    t.match(json(priv).detail, /private key/);
    const dup = await call(
      'addOfficerKey',
      '/admin/officer-keys',
      post(ADMIN, { id: 'alice-rsa', officer: 'A', pem: rsa.publicPem }),
    );
    t.equal(dup.status, 409);
    const byOfficer = await call(
      'addOfficerKey',
      '/admin/officer-keys',
      post(OFFICER, { id: 'mine', officer: 'A', pem: rsa.publicPem }),
    );
    t.equal(byOfficer.status, 403, 'an officer cannot register keys');
    const did = json(await call('getDidDocument', '/.well-known/did.json'));
    const ids = (did.verificationMethod as { id: string }[]).map((m) => m.id);
    for (const id of ['alice-rsa', 'alice-ed', 'alice-ed-multikey'])
      t.ok(ids.includes(`${did.id}#${id}`), `${id} in the DID document`);
    t.ok((did.assertionMethod as string[]).includes(`${did.id}#alice-rsa`), 'under assertionMethod');
    const vm = (did.verificationMethod as { id: string; publicKeyJwk: { x5u?: string } }[]).find((m) =>
      m.id.endsWith('#alice-ed'),
    )!;
    t.equal(vm.publicKeyJwk.x5u, `${PUBLIC_BASE}/x509/alice-ed.pem`);
    t.equal((await call('getCertificateChain', '/x509/alice-ed.pem')).body, chain, 'its chain is served at its x5u');
  });

  t.test('signatures made elsewhere (OpenSSL) are accepted and verify independently', async (t) => {
    const drafts = await pending();
    // Gaia-X credentials (not the scs facts, whose context the independent verifier does not carry).
    const gx = drafts.filter((d) => !d.id.includes('-scs/'));
    const a = gx.find((d) => d.profile === 'gaia-x-25.11')!;
    const b = gx.find((d) => d.profile === 'tagus-22.10')!;
    const c = gx.find((d) => d.profile === 'gaia-x-25.11' && d.id !== a.id)!;

    // RSA, Gaia-X JsonWebSignature2020: raw bytes from the API, signed with openssl dgst (PS256).
    const q = `id=${encodeURIComponent(a.id)}&key=alice-rsa&suite=jws2020`;
    const raw = await fetch(`${svc.url}/admin/drafts/signing-input?${q}`, {
      headers: { ...OFFICER, accept: 'application/octet-stream' },
    });
    t.equal(raw.status, 200);
    const created = raw.headers.get('x-gx-created')!;
    const bytes = new Uint8Array(await raw.arrayBuffer());
    const view = json(
      await call('getSigningInput', `/admin/drafts/signing-input?${q}&created=${created}`, { headers: OFFICER }),
    );
    t.equal(view.bytesBase64, Buffer.from(bytes).toString('base64'), 'the JSON view holds the same bytes');
    t.match(
      view.text,
      /^eyJ[\w-]+\.[0-9a-f]{64}$/,
      'JWS2020: protected header . hex SHA-256 of the canonical credential',
    );
    t.match(view.protectedHeader, { alg: 'PS256', b64: false, crit: ['b64'] }, 'the protected header, decoded');
    t.match(view.payload, /^[0-9a-f]{64}$/, 'the hex SHA-256 payload');
    const sig = opensslSign(rsa, bytes);

    const forged = await call(
      'attachSignature',
      '/admin/drafts/signature',
      post(OFFICER, {
        id: a.id,
        key: 'alice-rsa',
        suite: 'jws2020',
        created,
        signature: randomBytes(256).toString('base64'),
      }),
    );
    t.equal(forged.status, 400, 'a forged signature is refused');
    t.match(json(forged).detail, /does not verify/);
    const otherBytes = await call(
      'attachSignature',
      '/admin/drafts/signature',
      post(OFFICER, { id: c.id, key: 'alice-rsa', suite: 'jws2020', created, signature: sig.toString('base64') }),
    );
    t.equal(otherBytes.status, 400, "a signature over another draft's bytes is refused");
    const unknown = await call(
      'attachSignature',
      '/admin/drafts/signature',
      post(OFFICER, { id: a.id, key: 'nobody', suite: 'jws2020', created, signature: sig.toString('base64') }),
    );
    t.equal(unknown.status, 404, 'an unregistered key is refused');
    t.match(json(unknown).detail, /no officer key nobody/);
    t.equal((await call('getCredential', local(a.id))).status, 404, 'nothing published by the refusals');

    const ok = await call(
      'attachSignature',
      '/admin/drafts/signature',
      post(OFFICER, { id: a.id, key: 'alice-rsa', suite: 'jws2020', created, signature: sig.toString('base64url') }),
    );
    t.equal(ok.status, 200, ok.body);
    t.match(json(ok), { published: a.id, signedWith: /#alice-rsa$/ });
    const served = await call('getCredential', local(a.id));
    t.equal(served.status, 200);
    const did = json(await call('getDidDocument', '/.well-known/did.json'));
    t.ok(await verifyJws2020(json(served), did), 'verifies with jsonld + jose against the served DID document');
    const again = await call(
      'attachSignature',
      '/admin/drafts/signature',
      post(OFFICER, { id: a.id, key: 'alice-rsa', suite: 'jws2020', created, signature: sig.toString('base64') }),
    );
    t.equal(again.status, 409, 'a published draft takes no second signature');

    // Ed25519, Ed25519Signature2020: the JSON view's bytes, signed with openssl pkeyutl -rawin.
    const edView = json(
      await call(
        'getSigningInput',
        `/admin/drafts/signing-input?id=${encodeURIComponent(b.id)}&key=alice-ed&suite=ed25519-2020`,
        { headers: OFFICER },
      ),
    );
    const edSig = opensslSign(ed, Buffer.from(edView.bytesBase64, 'base64'));
    const otherTime = await call(
      'attachSignature',
      '/admin/drafts/signature',
      post(OFFICER, {
        id: b.id,
        key: 'alice-ed',
        suite: 'ed25519-2020',
        created: '2026-01-01T00:00:00Z',
        signature: edSig.toString('base64'),
      }),
    );
    t.equal(otherTime.status, 400, 'a Data Integrity proof covers its created date: another one is refused');
    const edOk = await call(
      'attachSignature',
      '/admin/drafts/signature',
      post(OFFICER, {
        id: b.id,
        key: 'alice-ed',
        suite: 'ed25519-2020',
        created: edView.created,
        signature: edSig.toString('base64'),
      }),
    );
    t.equal(edOk.status, 200, edOk.body);
    const edServed = json(await call('getCredential', local(b.id)));
    const r = await vc.verifyCredential({
      credential: edServed,
      suite: new Ed25519Signature2020(),
      documentLoader: independentLoader(did),
      checkStatus: async () => ({ verified: true }),
    });
    t.ok(r.verified, `verified by @digitalbazaar/vc (${JSON.stringify(r.error ?? '')})`);
    const wrongType = await call(
      'getSigningInput',
      `/admin/drafts/signing-input?id=${encodeURIComponent(c.id)}&key=alice-rsa&suite=eddsa-rdfc-2022`,
      { headers: OFFICER },
    );
    t.equal(wrongType.status, 422, 'a suite the key cannot serve');
    const audit = json(await call('listAudit', '/admin/audit?limit=1000', { headers: ADMIN })).entries as {
      action: string;
      actor: string;
      target: string;
    }[];
    t.ok(
      audit.some((e) => e.action === 'draft.signature' && e.actor === 'oidc:alice' && e.target === a.id),
      'audited with who',
    );
  });

  t.test('reject with a reason, approve the rest of the set as one', async (t) => {
    const drafts = await pending();
    const victim = drafts.find((d) => d.profile === 'gaia-x-25.11')!;
    const noReason = await call('rejectDrafts', '/admin/drafts/reject', post(OFFICER, { ids: [victim.id] }));
    t.equal(noReason.status, 400, 'a rejection needs a reason');
    const rej = await call(
      'rejectDrafts',
      '/admin/drafts/reject',
      post(OFFICER, { ids: [victim.id], reason: 'wrong licence text' }),
    );
    t.equal(rej.status, 200, rej.body);
    const d = json(
      await call('getDraft', `/admin/drafts/item?id=${encodeURIComponent(victim.id)}`, { headers: OFFICER }),
    );
    t.match(d.draft, { state: 'rejected', decidedBy: 'oidc:alice', reason: 'wrong licence text' });
    t.equal(
      (await call('approveDrafts', '/admin/drafts/approve', post(OFFICER, { ids: [victim.id] }))).status,
      409,
      'a rejected draft cannot be approved',
    );
    const byAdmin = await call('approveDrafts', '/admin/drafts/approve', post(ADMIN, { cloud: 'demo' }));
    t.equal(byAdmin.status, 403, 'an admin is not an officer');

    const ok = await call('approveDrafts', '/admin/drafts/approve', post(OFFICER, { cloud: 'demo' }));
    t.equal(ok.status, 200, ok.body);
    t.equal(json(ok).approved.length, drafts.length - 1);
    t.same(await pending(), []);
    const page = json(await call('listCredentials', '/credentials?limit=1000'));
    t.equal(page.items.length, drafts.length - 1 + 2, 'every approved and the two signed elsewhere are public');
    const one = page.items.find((i: { kind: string; profile: string }) => i.profile === 'gaia-x-25.11')!;
    const did = json(await call('getDidDocument', '/.well-known/did.json'));
    t.ok(
      await verifyJws2020(json(await call('getCredential', local(one.id))), did),
      'signed by the gateway key on approval',
    );
    t.equal((await call('getCredential', local(victim.id))).status, 404, 'the rejected draft stays unpublished');
    const list = await call('getStatusList', local(one.credentialStatus.statusListCredential));
    t.equal(list.status, 200, 'its status list is signed now');

    const rerun = await call('startRun', '/admin/clouds/demo/runs', post(ADMIN, {}));
    t.equal(rerun.status, 202);
    const run = (await settledRun(svc.url)) as Json;
    t.equal(run.summary['gaia-x-25.11'].drafted, 0, 'an unchanged cloud drafts nothing');
    t.equal(run.summary['gaia-x-25.11'].rejectedBefore, 1, 'the rejected content is not proposed again');
  });

  t.test(
    'a change drafts the new versions; a newer run makes pending drafts obsolete; approval revokes what vanished',
    async (t) => {
      const demo = svc.gw.service.demo!;
      const images = json(await call('listCredentials', '/credentials?type=VMImage&profile=gaia-x-25.11&limit=1000'))
        .items as { id: string; baseId: string }[];
      const ids = demo.openstack.imageIds().filter((id) => images.some((i) => i.baseId.endsWith(`/images/${id}`)));
      t.ok(demo.openstack.deleteImage(ids[0]!));
      await call('startRun', '/admin/clouds/demo/runs', post(ADMIN, {}));
      const r1 = (await settledRun(svc.url)) as Json;
      t.ok(r1.summary['gaia-x-25.11'].proposedRevocations >= 1, 'the vanished image is proposed for revocation');
      const proposed = (
        json(await call('listDrafts', '/admin/drafts', { headers: OFFICER })).sets as { revocations: Draft[] }[]
      ).flatMap((s) => s.revocations);
      const gone = images.find((i) => i.baseId.endsWith(`/images/${ids[0]}`))!;
      t.ok(
        proposed.some((p) => p.id === gone.id),
        'listed with the pending set',
      );
      t.equal(
        (await call('getCredential', local(gone.id))).status,
        200,
        'and still published until an officer decides',
      );
      const drafts1 = await pending();
      const changed = drafts1.find((d) => d.replaces);
      t.ok(changed, 'a changed resource is drafted as a new version of a published one');
      const detail = json(
        await call('getDraft', `/admin/drafts/item?id=${encodeURIComponent(changed!.id)}`, { headers: OFFICER }),
      );
      t.equal(detail.added, false);
      t.ok(detail.changes.length > 0, 'with the fields that changed');
      t.equal(
        (await call('getCredential', local(changed!.replaces!))).status,
        200,
        'the published version stays current meanwhile',
      );

      t.ok(demo.openstack.deleteImage(ids[1]!));
      await call('startRun', '/admin/clouds/demo/runs', post(ADMIN, {}));
      await settledRun(svc.url);
      const sets = json(await call('listDrafts', '/admin/drafts', { headers: OFFICER }));
      const obsolete = (sets.decided as Draft[]).filter((d) => d.state === 'obsolete');
      t.ok(obsolete.length > 0, 'drafts the newer run replaced are obsolete');
      const stale = obsolete[0]!;
      const approveStale = await call('approveDrafts', '/admin/drafts/approve', post(OFFICER, { ids: [stale.id] }));
      t.equal(approveStale.status, 409);
      t.match(json(approveStale).detail, /newer run/);
      const inputStale = await call(
        'getSigningInput',
        `/admin/drafts/signing-input?id=${encodeURIComponent(stale.id)}&key=alice-rsa`,
        { headers: OFFICER },
      );
      t.equal(inputStale.status, 409, 'no signing input for a stale draft either');
      const attachStale = await call(
        'attachSignature',
        '/admin/drafts/signature',
        post(OFFICER, { id: stale.id, key: 'alice-rsa', signature: randomBytes(256).toString('base64') }),
      );
      t.equal(attachStale.status, 409, 'nor a signature');

      const before = json(await call('listChanges', '/changes?limit=1000')).events.length;
      const ok = json(await call('approveDrafts', '/admin/drafts/approve', post(OFFICER, { cloud: 'demo' })));
      t.ok(ok.revoked.includes(gone.id), 'the vanished images are revoked with the set');
      const g = await call('getCredential', local(gone.id));
      t.equal(g.status, 410);
      const entry = json(g).credentialStatus as { statusListCredential: string; statusListIndex: string };
      const list = JSON.parse((await call('getStatusList', local(entry.statusListCredential))).body);
      const bits = Bitstring.decode(list.credentialSubject.encodedList);
      t.equal(bits.get(Number(entry.statusListIndex)), true, 'its status bit is set');
      const events = json(await call('listChanges', '/changes?limit=1000')).events.slice(before) as { type: string }[];
      t.ok(events.some((e) => e.type === 'revoked') && events.some((e) => e.type === 'superseded'));
    },
  );

  t.test('an officer revokes a published credential', async (t) => {
    const item = json(await call('listCredentials', '/credentials?type=ServerFlavor&limit=1')).items[0];
    const noReason = await call(
      'revokeCredentials',
      '/admin/credentials/revoke',
      post(OFFICER, { ids: [item.id], reason: '' }),
    );
    t.equal(noReason.status, 400);
    const r = await call(
      'revokeCredentials',
      '/admin/credentials/revoke',
      post(OFFICER, { ids: [item.id], reason: 'flavor withdrawn from sale' }),
    );
    t.equal(r.status, 200, r.body);
    t.equal((await call('getCredential', local(item.id))).status, 410);
    const again = await call(
      'revokeCredentials',
      '/admin/credentials/revoke',
      post(OFFICER, { ids: [item.id], reason: 'again' }),
    );
    t.equal(again.status, 409);
    const audit = json(await call('listAudit', '/admin/audit?limit=1000', { headers: ADMIN })).entries as {
      action: string;
      target: string;
      detail: { reason?: string };
    }[];
    t.ok(
      audit.some(
        (e) =>
          e.action === 'credential.revoke' && e.target === item.id && e.detail.reason === 'flavor withdrawn from sale',
      ),
    );
  });

  t.test('a removed officer key signs nothing more', async (t) => {
    const keep = await call('removeOfficerKey', '/admin/officer-keys/alice-rsa', { method: 'DELETE', headers: ADMIN });
    t.equal(keep.status, 409, 'published credentials name it');
    t.match(json(keep).detail, /published credentials are signed with alice-rsa/);
    const gone = await call('removeOfficerKey', '/admin/officer-keys/alice-rsa?force=true', {
      method: 'DELETE',
      headers: ADMIN,
    });
    t.equal(gone.status, 204);
    await call('startRun', '/admin/clouds/demo/runs', post(ADMIN, {}));
    await settledRun(svc.url);
    const demo = svc.gw.service.demo!;
    t.ok(demo.openstack.deleteImage(demo.openstack.imageIds()[0]!));
    await call('startRun', '/admin/clouds/demo/runs', post(ADMIN, {}));
    await settledRun(svc.url);
    const draft = (await pending())[0]!;
    const r = await call(
      'getSigningInput',
      `/admin/drafts/signing-input?id=${encodeURIComponent(draft.id)}&key=alice-rsa`,
      { headers: OFFICER },
    );
    t.equal(r.status, 404);
    t.match(json(r).detail, /no officer key alice-rsa is registered \(or it was removed\)/);
    const did = json(await call('getDidDocument', '/.well-known/did.json'));
    t.notOk(JSON.stringify(did).includes('#alice-rsa'), 'gone from the DID document');
  });
}
