import t from 'tap';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { KeyStore } from '../../src/credentials/keys/keystore.js';
import { createDevChain } from '../../src/credentials/keys/certificates.js';
import { tempGateway } from '../helpers/gateway.js';

function dir(t: { teardown(fn: () => unknown): void }) {
  const gw = tempGateway({});
  t.teardown(() => gw.cleanup());
  return join(gw.dir, 'ks');
}

t.test('create each key type; private keys 0600 in a 0700 directory; list shows no secrets', async (t) => {
  const d = dir(t);
  const ks = KeyStore.open(d);
  const ed = await ks.create({ type: 'Ed25519' });
  const p = await ks.create({ type: 'P-256', id: 'p' });
  const r = await ks.create({ type: 'RSA', rsaBits: 2048, alg: 'RS256', id: 'r' });
  t.same([ed.alg, p.alg, r.alg], ['EdDSA', 'ES256', 'RS256']);
  t.equal(ks.active()?.id, ed.id, 'the first key is active');
  t.equal(statSync(d).mode & 0o777, 0o700);
  for (const f of readdirSync(d).filter((f) => f.endsWith('.key.pem')))
    t.equal(statSync(join(d, f)).mode & 0o777, 0o600, `${f} is 0600`);
  const listed = JSON.stringify(ks.list());
  t.notMatch(listed, /"d"|PRIVATE|"p":|"q":/, 'no private material in the listing');
  t.notMatch(JSON.stringify(ks.signer('p')), /PRIVATE|"d"/, 'a signer serializes to public facts only');
  ks.activate('r');
  t.equal(KeyStore.open(d).active()?.id, 'r', 'activation persists');
  await t.rejects(ks.create({ type: 'RSA', rsaBits: 1024 }), /at least 2048 bits/);
  await t.rejects(ks.create({ type: 'Ed25519', id: 'p' }), /exists already/);
  await t.rejects(ks.create({ type: 'Ed25519', id: '../evil' }), /may only use letters/);
  await t.rejects(ks.create({ type: 'P-256', alg: 'PS256' }), /does not fit a P-256 key/);
  t.throws(() => ks.get('nope'), /no key "nope" in .* \(keys: ed25519-\S+, p, r\)/);
});

t.test('passphrase encryption', async (t) => {
  const d = dir(t);
  const ks = KeyStore.open(d, { passphrase: 'correct horse', passphraseEnv: 'GXG_KEY_PASSPHRASE' });
  const k = await ks.create({ type: 'P-256', id: 'enc' });
  t.ok(k.encrypted);
  t.match(readFileSync(join(d, 'enc.key.pem'), 'utf8'), /BEGIN ENCRYPTED PRIVATE KEY/);
  t.ok((await ks.signer('enc').sign(Buffer.from('x'))).length === 64, 'signs after decryption');
  t.throws(
    () => KeyStore.open(d, { passphraseEnv: 'GXG_KEY_PASSPHRASE' }).signer('enc'),
    /key enc is encrypted: set GXG_KEY_PASSPHRASE/,
  );
  t.throws(
    () => KeyStore.open(d, { passphrase: 'wrong', passphraseEnv: 'GXG_KEY_PASSPHRASE' }).signer('enc'),
    /cannot decrypt key enc: wrong passphrase in GXG_KEY_PASSPHRASE/,
  );
});

t.test('import keys and chains', async (t) => {
  const d = dir(t);
  const ks = KeyStore.open(d);
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const chain = await createDevChain(rsa.privateKey, 'test');
  const info = await ks.import({
    pem: rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string,
    chainPem: chain.chainPem,
    id: 'imported',
  });
  t.equal(info.type, 'RSA');
  t.ok(info.hasChain);
  t.match(ks.chainPem('imported'), /BEGIN CERTIFICATE[\s\S]+BEGIN CERTIFICATE/);
  const other = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const otherChain = await createDevChain(other.privateKey, 'other');
  await t.rejects(
    ks.import({
      pem: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({
        type: 'pkcs8',
        format: 'pem',
      }) as string,
      chainPem: otherChain.chainPem,
    }),
    /does not carry this key/,
  );
  await t.rejects(
    ks.import({ pem: rsa.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string }),
    /stored already/,
  );
  await t.rejects(
    ks.import({
      pem: generateKeyPairSync('ec', { namedCurve: 'secp256k1' }).privateKey.export({
        type: 'pkcs8',
        format: 'pem',
      }) as string,
    }),
    /curve secp256k1 is not supported; use P-256/,
  );
  await t.rejects(
    ks.import({
      pem: generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({
        type: 'pkcs8',
        format: 'pem',
      }) as string,
    }),
    /1024 bits; at least 2048/,
  );
  await t.rejects(
    ks.import({ pem: generateKeyPairSync('x25519').privateKey.export({ type: 'pkcs8', format: 'pem' }) as string }),
    /x25519 is not supported/,
  );
  await t.rejects(ks.import({ pem: 'not a pem' }), /cannot read the private key PEM/);
  t.throws(() => ks.setChain('imported', otherChain.chainPem), /does not carry this key/);
  t.equal(ks.list().length, 1, 'failed imports leave nothing behind');
  t.same(readdirSync(d).sort(), ['imported.chain.pem', 'imported.key.pem', 'keystore.json'], 'no stray files');
});
