// Keys in a PKCS#11 token (SoftHSM2, a token initialised for this file): made inside the token,
// sensitive and not extractable; every algorithm's signature checked by independent verifiers
// (node:crypto and jose) against the public key the token gives; a wrong PIN and a missing token are
// clear errors at open; a session the token lost is opened again and the signature still made.
import t from 'tap';
import { createPublicKey, verify, type JsonWebKey as NodeJsonWebKey } from 'node:crypto';
import { Worker } from 'node:worker_threads';
import { compactVerify, importJWK } from 'jose';
import pkcs11js from 'pkcs11js';
import { Pkcs11Token } from '../../src/credentials/keys/pkcs11.js';
import type { JwsAlg, KeyType } from '../../src/credentials/keys/key-types.js';
import { softhsmToken } from '../helpers/softhsm.js';

const hsm = softhsmToken();
if ('skip' in hsm) {
  t.plan(0, hsm.skip);
} else {
  t.teardown(() => hsm.remove());
  // Before anything logs in (a PKCS#11 login holds for every session of the process).
  t.throws(
    () => Pkcs11Token.open({ module: hsm.module, tokenLabel: hsm.label, pin: '9999' }),
    { code: 'bad-config', message: /the PIN of token "gx-test" is wrong/ },
    'a wrong PIN is a clear error at open',
  );
  const token = Pkcs11Token.open({ module: hsm.module, tokenLabel: hsm.label, pin: hsm.pin });
  t.teardown(() => token.close());
  const data = Buffer.from('the canonical form of a credential, say');
  /** Whether `sig` is the P-256 token key's ES256 signature of `message` (node:crypto). */
  const es256Holds = (message: Buffer, sig: Uint8Array) =>
    verify(
      'sha256',
      message,
      {
        key: createPublicKey({ key: token.find('gx-p256')!.publicKeyJwk as NodeJsonWebKey, format: 'jwk' }),
        dsaEncoding: 'ieee-p1363',
      },
      sig,
    );
  const cases: [KeyType, string, JwsAlg[]][] = [
    ['P-256', 'gx-p256', ['ES256']],
    ['RSA', 'gx-rsa', ['PS256', 'RS256']],
    ['Ed25519', 'gx-ed25519', ['EdDSA']],
  ];

  t.test('the token offers every algorithm gx-gateway signs with', async (t) => {
    t.same(token.algorithms().sort(), ['ES256', 'EdDSA', 'PS256', 'RS256']);
  });

  for (const [type, label, algs] of cases)
    t.test(`${type}: made in the token, signatures verified independently`, async (t) => {
      const key = token.generate(type, label);
      t.equal(key.type, type);
      t.same(token.find(label), key, 'found again by its label');
      t.same(
        token.protection(label),
        { sensitive: true, extractable: false, alwaysSensitive: true, neverExtractable: true },
        'CKA_SENSITIVE true, CKA_EXTRACTABLE false, and always so',
      );
      t.throws(() => token.generate(type, label), { message: /already holds a key/ });
      const pub = createPublicKey({ key: key.publicKeyJwk as NodeJsonWebKey, format: 'jwk' });
      for (const alg of algs) {
        const sig = Buffer.from(token.sign(label, alg, data));
        const ok =
          alg === 'ES256'
            ? verify('sha256', data, { key: pub, dsaEncoding: 'ieee-p1363' }, sig)
            : alg === 'PS256'
              ? verify('sha256', data, { key: pub, padding: 6, saltLength: 32 }, sig)
              : alg === 'RS256'
                ? verify('sha256', data, pub, sig)
                : verify(null, data, pub, sig);
        t.ok(ok, `${alg}: node:crypto verifies it`);
        t.notOk(
          verify(
            alg === 'EdDSA' ? null : 'sha256',
            Buffer.from('other'),
            alg === 'ES256' ? { key: pub, dsaEncoding: 'ieee-p1363' } : pub,
            sig,
          ),
          `${alg}: not for other data`,
        );
        // A compact JWS made through the Signer interface, verified by jose.
        const signer = token.signer({ ...key, keyId: `did:web:provider.example#${label}`, alg });
        const input = `${Buffer.from(JSON.stringify({ alg, kid: signer.keyId })).toString('base64url')}.${Buffer.from('{"hello":"hsm"}').toString('base64url')}`;
        const jws = `${input}.${Buffer.from(await signer.sign(Buffer.from(input))).toString('base64url')}`;
        const verified = await compactVerify(jws, await importJWK(key.publicKeyJwk, alg));
        t.equal(new TextDecoder().decode(verified.payload), '{"hello":"hsm"}', `${alg}: jose verifies the JWS`);
        t.same(
          JSON.parse(JSON.stringify(signer)),
          { keyId: signer.keyId, type, alg },
          'a Signer serializes to public facts only',
        );
      }
    });

  t.test('no private key material leaves the token', async (t) => {
    // Asked for the private value over the module itself, the token refuses (CKR_ATTRIBUTE_SENSITIVE).
    const p11 = new pkcs11js.PKCS11();
    p11.load(hsm.module);
    const slot = p11.C_GetSlotList(true).find((s) => p11.C_GetTokenInfo(s).label.trim() === hsm.label)!;
    const session = p11.C_OpenSession(slot, pkcs11js.CKF_SERIAL_SESSION);
    t.teardown(() => p11.C_CloseSession(session));
    for (const [label, attribute] of [
      ['gx-p256', pkcs11js.CKA_VALUE],
      ['gx-ed25519', pkcs11js.CKA_VALUE],
      ['gx-rsa', pkcs11js.CKA_PRIVATE_EXPONENT],
      ['gx-rsa', pkcs11js.CKA_PRIME_1],
    ] as const) {
      p11.C_FindObjectsInit(session, [
        { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
        { type: pkcs11js.CKA_LABEL, value: label },
      ]);
      const [handle] = p11.C_FindObjects(session, 1);
      p11.C_FindObjectsFinal(session);
      t.ok(handle, `${label}: the private key is there`);
      t.throws(
        () => p11.C_GetAttributeValue(session, handle!, [{ type: attribute }]),
        /CKR_ATTRIBUTE_SENSITIVE/,
        `${label}: its secret is not given out`,
      );
    }
  });

  t.test('a session the token lost is opened again, the signature still made', async (t) => {
    const p11 = new pkcs11js.PKCS11();
    p11.load(hsm.module);
    const slot = p11.C_GetSlotList(true).find((s) => p11.C_GetTokenInfo(s).label.trim() === hsm.label)!;
    p11.C_CloseAllSessions(slot); // as a token removed and put back, or the module restarted, would
    t.ok(es256Holds(data, token.sign('gx-p256', 'ES256', data)), 'signed after a re-login');
  });

  t.test('worker threads sign through the token at once, each with its own session', async (t) => {
    const key = token.find('gx-p256')!;
    const pub = createPublicKey({ key: key.publicKeyJwk as NodeJsonWebKey, format: 'jwk' });
    const count = 300;
    const workers = [0, 1].map(
      () =>
        new Worker(new URL('../helpers/pkcs11-worker.js', import.meta.url), {
          workerData: { module: hsm.module, tokenLabel: hsm.label, pin: hsm.pin, label: 'gx-p256', count },
        }),
    );
    // The main thread signs meanwhile too.
    const mine = Array.from({ length: count }, (_, i) =>
      Buffer.from(token.sign('gx-p256', 'ES256', Buffer.from(`main ${i}`))),
    );
    const results = await Promise.all(
      workers.map((w) => new Promise<string[]>((resolve, reject) => w.once('message', resolve).once('error', reject))),
    );
    await Promise.all(workers.map((w) => w.terminate()));
    for (const sigs of results) {
      t.equal(sigs.length, count);
      t.ok(
        sigs.every((s, i) =>
          verify(
            'sha256',
            Buffer.from(`message ${i}`),
            { key: pub, dsaEncoding: 'ieee-p1363' },
            Buffer.from(s, 'base64'),
          ),
        ),
        'every signature of the thread verifies',
      );
    }
    t.ok(
      mine.every((s, i) => verify('sha256', Buffer.from(`main ${i}`), { key: pub, dsaEncoding: 'ieee-p1363' }, s)),
      'and the main thread’s',
    );
    t.ok(token.sign('gx-p256', 'ES256', data), 'the main session still signs after the threads ended');
  });

  t.test('the token taken away: a clear error; put back: signing resumes', async (t) => {
    const { readdirSync, renameSync } = await import('node:fs');
    const { join } = await import('node:path');
    const tokenDir = readdirSync(hsm.dir).find((f) => !f.endsWith('.conf'))!;
    // Out of the token folder: SoftHSM2 takes every folder in it for a token.
    renameSync(join(hsm.dir, tokenDir), `${hsm.dir}-away`);
    t.throws(() => token.sign('gx-p256', 'ES256', data), {
      code: 'unavailable',
      message: /token "gx-test" is not available|no token "gx-test"/,
    });
    t.throws(() => token.sign('gx-p256', 'ES256', data), { code: 'unavailable' }, 'and again, while it is away');
    renameSync(`${hsm.dir}-away`, join(hsm.dir, tokenDir));
    t.ok(es256Holds(data, token.sign('gx-p256', 'ES256', data)), 'signed again once it is back');
  });

  t.test('clear errors at open: a token that is not there, a module that does not load', async (t) => {
    t.throws(() => Pkcs11Token.open({ module: hsm.module, tokenLabel: 'elsewhere', pin: hsm.pin }), {
      message: /no token "elsewhere" .*tokens present: "gx-test"/,
    });
    t.throws(() => Pkcs11Token.open({ module: '/nonexistent/libpkcs11.so', tokenLabel: hsm.label, pin: hsm.pin }), {
      code: 'bad-config',
      message: /keys\.pkcs11\.module: cannot load \/nonexistent\/libpkcs11\.so/,
    });
    t.throws(() => token.sign('no-such-key', 'ES256', data), { message: /holds no key "no-such-key"/ });
    t.throws(
      () => Pkcs11Token.open({ module: hsm.module, tokenLabel: hsm.label, pin: '0000' }),
      { message: /the PIN of token "gx-test" is wrong/ },
      'another PIN while logged in: refused, not "already logged in"',
    );
    const again = Pkcs11Token.open({ module: hsm.module, tokenLabel: hsm.label, pin: hsm.pin });
    t.ok(again.find('gx-p256'), 'the same PIN opens it again');
  });
}
