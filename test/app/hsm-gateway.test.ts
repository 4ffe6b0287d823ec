// A gateway whose active key lives in a PKCS#11 token (SoftHSM2): the demo cloud's first run signs
// its set and its status list through the token; what it serves verifies with jsonld + jose alone
// against the DID document it serves; the key folder holds no private key.
import t from 'tap';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KeyStore } from '../../src/credentials/keys/keystore.js';
import { sqliteDatabase } from '../helpers/databases.js';
import { verifyJws2020 } from '../helpers/independent.js';
import { removeDir, settledRun, startService } from '../helpers/service.js';
import { softhsmToken } from '../helpers/softhsm.js';

const hsm = softhsmToken('gx-gateway', '135790');
if ('skip' in hsm) {
  t.plan(0, hsm.skip);
} else {
  t.test('a gateway signing through the token', async (t) => {
    t.teardown(() => hsm.remove());
    process.env.GXT_GATEWAY_PIN = hsm.pin;
    const pkcs11 = { module: hsm.module, tokenLabel: hsm.label, pinEnv: 'GXT_GATEWAY_PIN' };
    const dir = mkdtempSync(join(tmpdir(), 'gxg-hsm-gw-'));
    // The operator's key ceremony, before the first start: the key pair made inside the token.
    const keys = KeyStore.open(join(dir, 'keys'), {
      pkcs11: { module: hsm.module, tokenLabel: hsm.label, pin: hsm.pin },
    });
    await keys.createInToken({ type: 'RSA', id: 'provider-rsa', rsaBits: 2048, activate: true });
    const db = sqliteDatabase();
    const svc = await startService(db.location, { keys: { dir: 'keys', generateDevKeys: false, pkcs11 } }, dir);
    t.teardown(async () => {
      await svc.close();
      await db.drop();
      removeDir(dir);
    });
    const run = await settledRun(svc.url, 'demo', 120_000);
    t.equal(run.state, 'succeeded', JSON.stringify(run.error));
    const did = (await (await fetch(`${svc.url}/.well-known/did.json`)).json()) as Record<string, unknown>;
    const rows = await svc.gw.service.store.credentials.list({ cloud: 'demo', state: 'published', limit: 1000 });
    const tagus = rows.filter((r) => r.profile === 'tagus-22.10');
    t.ok(tagus.length > 3, `${tagus.length} Tagus credentials published`);
    let verified = 0;
    let tried = 0;
    for (const row of tagus) {
      const served = (await (await fetch(`${svc.url}${new URL(row.id).pathname}`)).json()) as Record<string, unknown>;
      const proof = served.proof as { verificationMethod: string };
      t.match(proof.verificationMethod, /#provider-rsa$/, 'signed with the token key');
      // The independent loader knows the published contexts, not the gateway's own SCS one.
      if (JSON.stringify(served['@context']).includes('scs/gx-gateway')) continue;
      tried++;
      if (await verifyJws2020(served, did)) verified++;
    }
    t.ok(tried >= 3, `${tried} checked independently`);
    t.equal(verified, tried, 'served credentials verify with jsonld + jose alone');
    // The status list the credentials name (served by the gateway, signed as the set was).
    const loire = rows.find((r) => r.profile === 'gaia-x-25.11')!;
    const served = await (await fetch(`${svc.url}${new URL(loire.id).pathname}`)).text();
    const { decodeJwt } = await import('jose');
    const first = (served.startsWith('{') ? JSON.parse(served) : decodeJwt(served)) as {
      credentialStatus?: { statusListCredential?: string };
    };
    const listUrl = first.credentialStatus?.statusListCredential;
    t.ok(listUrl, `the credentials name their status list (${listUrl})`);
    const listed = await fetch(`${svc.url}${new URL(listUrl!).pathname}`);
    const text = await listed.text();
    t.equal(listed.status, 200);
    if (text.startsWith('{')) {
      const status = JSON.parse(text) as Record<string, unknown>;
      t.match(
        (status.proof as { verificationMethod?: string } | undefined)?.verificationMethod ?? '',
        /#provider-rsa$/,
      );
      t.ok(await verifyJws2020(status, did), 'the status list too, with jsonld + jose alone');
    } else {
      const { compactVerify, decodeProtectedHeader, importJWK } = await import('jose');
      const kid = String(decodeProtectedHeader(text).kid);
      t.match(kid, /#provider-rsa$/, 'the status list too');
      const vm = (did.verificationMethod as { id: string; publicKeyJwk: { alg?: string } }[]).find(
        (m) => m.id === kid,
      )!;
      await t.resolves(
        compactVerify(text, await importJWK(vm.publicKeyJwk, String(decodeProtectedHeader(text).alg))),
        'verified by jose',
      );
    }
    t.same(readdirSync(join(dir, 'keys')), ['keystore.json'], 'no private key in the key folder');
  });
}
