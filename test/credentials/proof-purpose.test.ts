// A proof's stated purpose is checked against the matching relationship of the DID document.
import t from 'tap';
import { generateKeyPairSync } from 'node:crypto';
import { resolveVerificationMethod } from '../../src/credentials/verification-method.js';
import type { VerifyEnv } from '../../src/credentials/suites/suite.js';

const did = 'did:web:holder.example';
const { publicKey } = generateKeyPairSync('ed25519');
const jwk = publicKey.export({ format: 'jwk' });
const didDocument = {
  id: did,
  verificationMethod: [
    { id: `${did}#auth`, type: 'JsonWebKey2020', controller: did, publicKeyJwk: jwk },
    { id: `${did}#assert`, type: 'JsonWebKey2020', controller: did, publicKeyJwk: jwk },
  ],
  authentication: [`${did}#auth`],
  assertionMethod: [`${did}#assert`],
};
const env = {
  dids: { resolve: async () => didDocument },
  skipX5u: true,
  now: () => new Date(),
} as unknown as VerifyEnv;
const purpose = async (vm: string, p: unknown) =>
  (await resolveVerificationMethod(vm, { holder: did }, env, p)).checks.find((c) => c.check === 'proof-purpose');

t.test('authentication proofs need an authentication key, assertions an assertionMethod key', async (t) => {
  t.equal((await purpose(`${did}#auth`, 'authentication'))?.ok, true);
  t.match((await purpose(`${did}#auth`, 'authentication'))?.message, /listed under authentication/);
  t.equal((await purpose(`${did}#auth`, 'assertionMethod'))?.ok, false, 'an authentication-only key cannot assert');
  t.equal((await purpose(`${did}#assert`, 'assertionMethod'))?.ok, true);
  t.equal((await purpose(`${did}#assert`, 'authentication'))?.ok, false, 'an assertion-only key cannot authenticate');
  t.equal((await purpose(`${did}#assert`, 'capabilityInvocation'))?.ok, false, 'other purposes are refused');
});
