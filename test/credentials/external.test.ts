// Signatures made elsewhere: every suite hands out the exact bytes to sign and attaches a signature
// made over them, here by OpenSSL as an officer would, and the result verifies (jose cross-checks VC-JOSE).
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { createPrivateKey, sign as cryptoSign } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { compactVerify, importJWK, type JWK } from 'jose';
import type { SuiteId } from '../../src/core/ids.js';
import type { Secured } from '../../src/credentials/suites/suite.js';
import { loireCredential, tagusCredential, tempGateway } from '../helpers/gateway.js';

const gw = tempGateway();
t.teardown(() => gw.cleanup());
const svc = gw.service;
await svc.keys.create({ type: 'RSA', rsaBits: 2048, id: 'rsa' });
await svc.keys.create({ type: 'P-256', id: 'p256' });
await svc.keys.create({ type: 'Ed25519', id: 'ed' });
const created = new Date('2026-12-01T10:00:00Z');
const pem = (id: string) => readFileSync(join(svc.keys.dir, `${id}.key.pem`), 'utf8');
const hasOpenssl = !spawnSync('openssl', ['version']).error;

/** Sign like an officer with OpenSSL (or node:crypto where OpenSSL is missing). */
function officerSigns(keyId: string, alg: string, bytes: Uint8Array): Uint8Array {
  const input = join(gw.dir, `input-${keyId}.bin`);
  writeFileSync(input, bytes);
  const keyFile = join(gw.dir, `${keyId}.pem`);
  writeFileSync(keyFile, pem(keyId), { mode: 0o600 });
  if (hasOpenssl) {
    const args =
      alg === 'EdDSA'
        ? ['pkeyutl', '-sign', '-inkey', keyFile, '-rawin', '-in', input]
        : [
            'dgst',
            '-sha256',
            '-sign',
            keyFile,
            ...(alg === 'PS256' ? ['-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:32'] : []),
            input,
          ];
    const r = spawnSync('openssl', args);
    if (r.status !== 0) throw new Error(`openssl ${args.join(' ')}: ${r.stderr.toString()}`);
    return r.stdout;
  }
  const key = createPrivateKey(pem(keyId));
  return alg === 'EdDSA'
    ? cryptoSign(null, bytes, key)
    : cryptoSign('sha256', bytes, alg === 'PS256' ? { key, padding: 6, saltLength: 32 } : key);
}

const cases: [SuiteId, string, 'v1' | 'v2'][] = [
  ['jws2020', 'rsa', 'v1'],
  ['jws2020-ccg', 'p256', 'v1'],
  ['vc-jose', 'p256', 'v2'],
  ['vc-jose', 'rsa', 'v2'],
  ['eddsa-rdfc-2022', 'ed', 'v2'],
  ['ed25519-2020', 'ed', 'v1'],
];
for (const [suite, keyId, model] of cases) {
  t.test(`${suite} with ${keyId}: signing input out, signature in`, async (t) => {
    const credential = model === 'v1' ? tagusCredential(svc.did) : loireCredential(svc.did);
    const req = { suite, keyId, created };
    const input = await svc.signingInput(credential, req);
    t.equal(input.created, '2026-12-01T10:00:00.000Z');
    t.ok(input.bytes.length > 0);
    const info = svc.keys.get(keyId);
    const signature = officerSigns(keyId, info.alg, input.bytes);
    const secured: Secured = await svc.attachSignature(credential, req, signature);
    const report = await svc.verify(secured.format === 'jwt' ? secured.jwt : secured.document, { skipX5u: true });
    t.ok(
      report.valid,
      `verifies (${report.checks
        .filter((c) => !c.ok)
        .map((c) => `${c.check}: ${c.message}`)
        .join('; ')})`,
    );
    if (secured.format === 'jwt') {
      const key = await importJWK({ ...(info.publicKeyJwk as JWK), alg: info.alg }, info.alg);
      await t.resolves(compactVerify(secured.jwt, key), 'jose verifies the vc+jwt independently');
    }
    const again = await svc.signingInput(credential, req);
    t.same(
      Buffer.from(again.bytes),
      Buffer.from(input.bytes),
      'the signing input is deterministic for the same options',
    );
    const tampered = { ...credential, id: `${String(credential.id)}-other` };
    await t.rejects(
      svc.attachSignature(tampered, req, signature),
      { code: 'bad-request', message: /does not verify/ },
      'a signature over another document is refused',
    );
  });
}
