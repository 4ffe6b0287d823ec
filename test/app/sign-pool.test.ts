// Large sets are signed in worker threads (signing.workers): the threads open the same key folder
// (encrypted here: the passphrase reaches them, no key does), every signature verifies with
// independent verifiers (jsonld + jose for JsonWebSignature2020, jose for VC-JWTs), the order of the
// set is kept, and a key created after the threads started is used by them.
import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { compactVerify, importJWK, type JWK } from 'jose';
import { loireCredential, tagusCredential, tempGateway } from '../helpers/gateway.js';
import { verifyJws2020 } from '../helpers/independent.js';

const gw = tempGateway(
  { keys: { dir: 'keys', passphraseEnv: 'POOL_TEST_PASSPHRASE' }, signing: { workers: 2 } },
  { POOL_TEST_PASSPHRASE: 'a passphrase for the pool test' },
);
t.teardown(() => gw.cleanup());
const svc = gw.service;
await svc.keys.create({ type: 'RSA', rsaBits: 2048, id: 'rsa-1' });
const did = svc.did;
const N = 80;

t.test('a JSON-LD set in the threads, each signature independently verified, in order', async (t) => {
  const set = Array.from({ length: N }, (_, i) => tagusCredential(did, `https://provider.example/credentials/p${i}`));
  const secured = await svc.signSet(set, { suite: 'jws2020', profile: 'tagus-22.10' });
  t.equal(svc.signedInThreads, N, 'all signed in the threads');
  t.equal(secured.length, N);
  t.same(
    secured.map((s) => (s.format === 'ldp' ? s.document.id : undefined)),
    set.map((c) => c.id),
    'in the order of the set',
  );
  const didDocument = await svc.didDocument();
  let verified = 0;
  for (const s of secured)
    if (s.format === 'ldp' && (await verifyJws2020(s.document as Record<string, unknown>, didDocument))) verified++;
  t.equal(verified, N, 'every proof verifies (jsonld + jose, no code of src/)');
});

t.test('a key created after the threads started signs VC-JWTs there', async (t) => {
  await svc.keys.create({ type: 'Ed25519', id: 'ed-late' });
  const before = svc.signedInThreads;
  const set = Array.from({ length: N }, (_, i) => loireCredential(did, `https://provider.example/credentials/l${i}`));
  const secured = await svc.signSet(set, { suite: 'vc-jose', keyId: 'ed-late', profile: 'gaia-x-25.11' });
  t.equal(svc.signedInThreads - before, N, 'signed in the threads');
  const jwk = svc.keys.get('ed-late').publicKeyJwk as JWK;
  const key = await importJWK(jwk, 'EdDSA');
  let verified = 0;
  for (const [i, s] of secured.entries()) {
    if (s.format !== 'jwt') continue;
    const { payload, protectedHeader } = await compactVerify(s.jwt, key);
    const claims = JSON.parse(new TextDecoder().decode(payload)) as { id?: string };
    if (claims.id === set[i]!.id && protectedHeader.kid?.endsWith('#ed-late')) verified++;
  }
  t.equal(verified, N, 'each a VC-JWT of its credential, verified with jose');
});

t.test('no private key in the clear in the key folder', async (t) => {
  const dir = join(gw.dir, 'keys');
  const pems = readdirSync(dir)
    .filter((f) => f.endsWith('.pem'))
    .map((f) => readFileSync(join(dir, f), 'utf8'));
  t.ok(pems.length >= 2);
  t.ok(
    pems.every((p) => !p.includes('BEGIN PRIVATE KEY')),
    'every key encrypted with the passphrase',
  );
});
