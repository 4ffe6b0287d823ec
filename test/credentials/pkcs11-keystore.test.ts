// The gateway's keys in a PKCS#11 token (keys.pkcs11; SoftHSM2, a token initialised for this file):
// made in the token through the key store, listed with where they live, and every suite signing
// through them — each proof checked by an independent verifier (jsonld + jose for
// JsonWebSignature2020, @digitalbazaar/vc for the Data Integrity suites, plain jose for VC-JOSE);
// the key folder holds no private key; a wrong PIN or a key gone from the token stop the start.
import t from 'tap';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vc from '@digitalbazaar/vc';
import { Ed25519Signature2020 } from '@digitalbazaar/ed25519-signature-2020';
import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import { compactVerify, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import type { Secured } from '../../src/credentials/suites/suite.js';
import { loireCredential, tagusCredential, tempGateway } from '../helpers/gateway.js';
import { independentLoader, verifyJws2020 } from '../helpers/independent.js';
import { rawToken, softhsmToken } from '../helpers/softhsm.js';

const hsm = softhsmToken('gx-keys', '424242');
if ('skip' in hsm) {
  t.plan(0, hsm.skip);
} else {
  // One test holds the rest: the token's folder stays until every part has run.
  t.test('the key store on a PKCS#11 token', async (t) => {
    t.teardown(() => hsm.remove());
    const pkcs11 = { module: hsm.module, tokenLabel: hsm.label, pinEnv: 'GXT_TOKEN_PIN' };
    // A wrong PIN first (a PKCS#11 login holds for the whole process).
    t.throws(
      () => tempGateway({ keys: { dir: 'keys', pkcs11 } }, { GXT_TOKEN_PIN: '000000' }),
      { code: 'bad-config', message: /the PIN of token "gx-keys" is wrong/ },
      'a wrong PIN stops the start',
    );
    t.throws(() => tempGateway({ keys: { dir: 'keys', pkcs11 } }, {}), {
      message: /keys\.pkcs11\.pinEnv: the variable GXT_TOKEN_PIN is not set/,
    });
    const gw = tempGateway({ keys: { dir: 'keys', pkcs11 } }, { GXT_TOKEN_PIN: hsm.pin });
    t.teardown(() => gw.cleanup());
    const svc = gw.service;
    const rsa = await svc.keys.createInToken({ type: 'RSA', id: 'hsm-rsa', rsaBits: 2048 });
    await svc.keys.createInToken({ type: 'P-256', id: 'hsm-p256' });
    await svc.keys.createInToken({ type: 'Ed25519', id: 'hsm-ed', label: 'provider-ed25519' });
    const did = svc.did;
    const didDocument = await svc.didDocument();

    t.test('the key store records where each key lives; the key folder holds no private key', async (t) => {
      t.match(rsa, { id: 'hsm-rsa', location: 'pkcs11', label: 'hsm-rsa', active: true, encrypted: false });
      t.match(svc.keys.get('hsm-ed'), { location: 'pkcs11', label: 'provider-ed25519', type: 'Ed25519' });
      for (const k of svc.keys.list())
        t.same(gw.service.keys.token().protection(k.label!), {
          sign: true,
          sensitive: true,
          extractable: false,
          alwaysSensitive: true,
          neverExtractable: true,
        });
      const dir = join(gw.dir, 'keys');
      const files = readdirSync(dir);
      t.same(files, ['keystore.json'], 'only the index: no PEM file');
      t.notMatch(readFileSync(join(dir, 'keystore.json'), 'utf8'), /PRIVATE|"d":/, 'and no private member in it');
    });

    t.test('JsonWebSignature2020 with each token key, verified by jsonld + jose alone', async (t) => {
      for (const keyId of ['hsm-rsa', 'hsm-p256', 'hsm-ed']) {
        const s = (await svc.signCredential(tagusCredential(did), { suite: 'jws2020', keyId })) as Extract<
          Secured,
          { format: 'ldp' }
        >;
        t.ok(await verifyJws2020(s.document as Record<string, unknown>, didDocument), `${keyId}: verified`);
        t.ok((await svc.verify(s.document, { skipX5u: true })).valid, `${keyId}: and by the gateway`);
      }
      const ccg = (await svc.signCredential(loireCredential(did), {
        suite: 'jws2020-ccg',
        keyId: 'hsm-p256',
      })) as Extract<Secured, { format: 'ldp' }>;
      t.ok((await svc.verify(ccg.document, { skipX5u: true })).valid, 'jws2020-ccg with the P-256 token key');
    });

    t.test('Data Integrity (Ed25519 in the token) verified by @digitalbazaar/vc', async (t) => {
      const documentLoader = independentLoader(didDocument);
      const a = (await svc.signCredential(tagusCredential(did), { suite: 'ed25519-2020', keyId: 'hsm-ed' })) as Extract<
        Secured,
        { format: 'ldp' }
      >;
      t.ok(
        (await vc.verifyCredential({ credential: a.document, suite: new Ed25519Signature2020(), documentLoader }))
          .verified,
      );
      const b = (await svc.signCredential(loireCredential(did), {
        suite: 'eddsa-rdfc-2022',
        keyId: 'hsm-ed',
      })) as Extract<Secured, { format: 'ldp' }>;
      const r = await vc.verifyCredential({
        credential: b.document,
        suite: new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 }),
        documentLoader,
      });
      t.ok(r.verified, 'eddsa-rdfc-2022 verified by @digitalbazaar/vc');
    });

    t.test('VC-JOSE credentials and presentations verified by plain jose', async (t) => {
      const jwkOf = (vmId: string) =>
        (didDocument.verificationMethod as { id: string; publicKeyJwk: JWK }[]).find((m) => m.id === vmId)!
          .publicKeyJwk;
      for (const keyId of ['hsm-rsa', 'hsm-p256', 'hsm-ed']) {
        const s = (await svc.signCredential(loireCredential(did), { suite: 'vc-jose', keyId })) as Extract<
          Secured,
          { format: 'jwt' }
        >;
        const kid = String(decodeProtectedHeader(s.jwt).kid);
        t.equal(kid, `${did}#${keyId}`);
        const jwk = jwkOf(kid);
        await t.resolves(compactVerify(s.jwt, await importJWK(jwk, jwk.alg)), `${keyId}: verified`);
      }
      const vp = (await svc.present([loireCredential(did)], { suite: 'vc-jose' })) as Extract<
        Secured,
        { format: 'jwt' }
      >;
      const jwk = jwkOf(String(decodeProtectedHeader(vp.jwt).kid));
      await t.resolves(
        compactVerify(vp.jwt, await importJWK(jwk, jwk.alg)),
        'a presentation signed by the active token key',
      );
    });

    t.test('a large set signed in the sign pool’s threads, each with its own token session', async (t) => {
      const pooled = tempGateway(
        { keys: { dir: 'keys', pkcs11 }, signing: { workers: 2 } },
        { GXT_TOKEN_PIN: hsm.pin },
      );
      t.teardown(() => pooled.cleanup());
      await pooled.service.keys.adoptFromToken('hsm-p256', { id: 'pool-p256' });
      const poolDid = pooled.service.did;
      const set = Array.from({ length: 80 }, (_, i) =>
        tagusCredential(poolDid, `https://provider.example/credentials/hsm${i}`),
      );
      const secured = await pooled.service.signSet(set, {
        suite: 'jws2020',
        profile: 'tagus-22.10',
        keyId: 'pool-p256',
      });
      t.equal(pooled.service.signedInThreads, 80, 'all signed in the threads');
      const doc = await pooled.service.didDocument();
      let verified = 0;
      for (const x of secured)
        if (x.format === 'ldp' && (await verifyJws2020(x.document as Record<string, unknown>, doc))) verified++;
      t.equal(verified, 80, 'every proof verifies (jsonld + jose)');
      t.match(pooled.service.keys.get('pool-p256'), { location: 'pkcs11', label: 'hsm-p256' }, 'adopted by its label');
    });

    t.test('the CLI adopts a key the token holds, by label', async (t) => {
      const { runCli } = await import('../helpers/cli.js');
      const { writeFileSync } = await import('node:fs');
      const { stringify } = await import('yaml');
      const config = join(gw.dir, 'cli.yaml');
      writeFileSync(
        config,
        stringify({ publicBaseUrl: 'https://provider.example', keys: { dir: 'cli-keys', pkcs11 } }),
      );
      const env = { GXT_TOKEN_PIN: hsm.pin };
      const adopted = await runCli(['-c', config, 'keys', 'import', '--pkcs11', 'provider-ed25519', '--id', 'cli-ed'], {
        env,
      });
      t.equal(adopted.code, 0, adopted.err);
      t.match(adopted.out, /adopted Ed25519 key cli-ed of the PKCS#11 token \(label provider-ed25519\) \(active\)/);
      const listed = await runCli(['-c', config, 'keys', 'list', '--json'], { env });
      t.match(JSON.parse(listed.out), [{ id: 'cli-ed', location: 'pkcs11', label: 'provider-ed25519' }]);
      const both = await runCli(['-c', config, 'keys', 'import', '--pkcs11', 'x', '--pem', 'y.pem'], { env });
      t.equal(both.code, 2);
      t.match(both.err, /give either --pem <file> or --pkcs11 <label>/);
      const missing = await runCli(['-c', config, 'keys', 'import', '--pkcs11', 'not-there'], { env });
      t.not(missing.code, 0);
      t.match(missing.err, /the PKCS#11 token holds no key "not-there"/);
    });

    t.test('a token key that could leave the token, or may not sign, is not adopted', async (t) => {
      const { runCli } = await import('../helpers/cli.js');
      const { writeFileSync } = await import('node:fs');
      const { stringify } = await import('yaml');
      const { default: pkcs11js } = await import('pkcs11js');
      // Key pairs made as a careless operator might (pkcs11-tool's defaults differ per module).
      const raw = rawToken(hsm.module, hsm.label, true);
      t.teardown(raw.close);
      const make = (label: string, priv: { sensitive: boolean; extractable: boolean; sign: boolean }) =>
        raw.p11.C_GenerateKeyPair(
          raw.session,
          { mechanism: pkcs11js.CKM_EC_KEY_PAIR_GEN },
          [
            { type: pkcs11js.CKA_TOKEN, value: true },
            { type: pkcs11js.CKA_LABEL, value: label },
            { type: pkcs11js.CKA_VERIFY, value: true },
            { type: pkcs11js.CKA_EC_PARAMS, value: Buffer.from('06082a8648ce3d030107', 'hex') },
          ],
          [
            { type: pkcs11js.CKA_TOKEN, value: true },
            { type: pkcs11js.CKA_LABEL, value: label },
            { type: pkcs11js.CKA_PRIVATE, value: true },
            { type: pkcs11js.CKA_SENSITIVE, value: priv.sensitive },
            { type: pkcs11js.CKA_EXTRACTABLE, value: priv.extractable },
            { type: pkcs11js.CKA_SIGN, value: priv.sign },
          ],
        );
      make('weak-open', { sensitive: false, extractable: true, sign: true });
      make('weak-wrap', { sensitive: true, extractable: true, sign: true });
      make('weak-nosign', { sensitive: true, extractable: false, sign: false });
      const config = join(gw.dir, 'weak.yaml');
      writeFileSync(
        config,
        stringify({ publicBaseUrl: 'https://provider.example', keys: { dir: 'weak-keys', pkcs11 } }),
      );
      const env = { GXT_TOKEN_PIN: hsm.pin };
      const open = await runCli(['-c', config, 'keys', 'import', '--pkcs11', 'weak-open', '--extractable'], { env });
      t.not(open.code, 0);
      t.match(open.err, /"weak-open" can be read out of the token by anyone with the PIN \(CKA_SENSITIVE is false\)/);
      const wrap = await runCli(['-c', config, 'keys', 'import', '--pkcs11', 'weak-wrap'], { env });
      t.not(wrap.code, 0);
      t.match(wrap.err, /"weak-wrap" may be exported wrapped .*add --extractable to adopt it anyway/);
      const nosign = await runCli(['-c', config, 'keys', 'import', '--pkcs11', 'weak-nosign'], { env });
      t.not(nosign.code, 0);
      t.match(nosign.err, /"weak-nosign" may not sign \(CKA_SIGN is false\)/);
      const listed = await runCli(['-c', config, 'keys', 'list', '--json'], { env });
      t.same(JSON.parse(listed.out), [], 'nothing was recorded');
      const adopted = await runCli(['-c', config, 'keys', 'import', '--pkcs11', 'weak-wrap', '--extractable'], { env });
      t.equal(adopted.code, 0, adopted.err);
      const text = await runCli(['-c', config, 'keys', 'list'], { env });
      t.match(text.out, /pkcs11:weak-wrap, extractable/, 'adopted on purpose, and listed so');
      const misuse = await runCli(['-c', config, 'keys', 'import', '--pem', 'x.pem', '--extractable'], { env });
      t.equal(misuse.code, 2);
      t.match(misuse.err, /--extractable is about a key of the PKCS#11 token/);
    });

    t.test('a key gone from the token, or a key store without keys.pkcs11, stops the start', async (t) => {
      const { copyFileSync, mkdirSync, writeFileSync } = await import('node:fs');
      const { stringify } = await import('yaml');
      // The same key folder, opened without the token: its keys are named.
      const other = join(gw.dir, 'without-token');
      mkdirSync(join(other, 'keys'), { recursive: true });
      copyFileSync(join(gw.dir, 'keys', 'keystore.json'), join(other, 'keys', 'keystore.json'));
      writeFileSync(
        join(other, 'gx-gateway.yaml'),
        stringify({ publicBaseUrl: 'https://provider.example', keys: { dir: 'keys' } }),
      );
      const { loadConfig } = await import('../../src/config/load.js');
      const { CredentialService } = await import('../../src/app/credential-service.js');
      t.throws(() => CredentialService.open(loadConfig({ file: join(other, 'gx-gateway.yaml'), env: {} }), {}), {
        message: /keys hsm-rsa, hsm-p256, hsm-ed live in a PKCS#11 token, but keys\.pkcs11 is not configured/,
      });
      // A label the token does not hold.
      const index = JSON.parse(readFileSync(join(other, 'keys', 'keystore.json'), 'utf8')) as {
        keys: { pkcs11?: { label: string } }[];
      };
      index.keys[0]!.pkcs11!.label = 'not-in-the-token';
      writeFileSync(join(other, 'keys', 'keystore.json'), JSON.stringify(index));
      writeFileSync(
        join(other, 'gx-gateway.yaml'),
        stringify({ publicBaseUrl: 'https://provider.example', keys: { dir: 'keys', pkcs11 } }),
      );
      t.throws(
        () =>
          CredentialService.open(loadConfig({ file: join(other, 'gx-gateway.yaml'), env: {} }), {
            GXT_TOKEN_PIN: hsm.pin,
          }),
        { message: /key hsm-rsa: the token holds no key "not-in-the-token"/ },
      );
    });
  });
}
