import { createPublicKey, type JsonWebKey } from 'node:crypto';
import type { JWK } from 'jose';
import { GatewayError } from '../../core/errors.js';
import type { JwsAlg, KeyType } from '../keys/key-types.js';
import type { Signer } from '../keys/signer.js';
import { verifyRaw } from './jws2020-common.js';
import type { JsonObject, Secured, SignOptions, SigningEnv, SigningSuite } from './suite.js';

/** The public facts of the key a signature made elsewhere (a smartcard, an HSM) is made with. */
export interface ExternalKey {
  keyId: string;
  type: KeyType;
  alg: JwsAlg;
  publicKeyJwk: JWK;
}

export type ExternalOptions = Omit<SignOptions, 'signer' | 'created'> & { key: ExternalKey; created: Date };

/** What an officer signs outside the gateway, and what binds it to the proof that will carry it. */
export interface SigningInput {
  suite: string;
  alg: JwsAlg;
  keyId: string;
  /** The exact bytes the signature is made over (`openssl dgst -sha256 -sign key.pem` reads them). */
  bytes: Uint8Array;
  /** The proof's date: the signature covers it, so it is given back with the signature. */
  created: string;
}

type Kind = 'credential' | 'presentation';

/** A Signer that signs nothing itself: it records what it is asked to sign, or answers a signature given. */
function externalSigner(key: ExternalKey, answer: (data: Uint8Array) => Uint8Array): Signer {
  return Object.freeze({
    keyId: key.keyId,
    type: key.type,
    alg: key.alg,
    publicKeyJwk: key.publicKeyJwk,
    sign: async (data: Uint8Array) => answer(data),
  });
}

function run(
  suite: SigningSuite,
  kind: Kind,
  document: JsonObject,
  opts: ExternalOptions,
  signer: Signer,
  env: SigningEnv,
): Promise<Secured> {
  const full: SignOptions = { ...opts, signer, created: opts.created };
  return kind === 'credential'
    ? suite.signCredential(document, full, env)
    : suite.signPresentation(document, full, env);
}

/**
 * The signing input of any suite, found by running the suite itself with a signer that records the
 * bytes it is handed: whatever the suite signs (a JWS signing input, the hashes a Data Integrity
 * proof covers) is exactly what the officer must sign.
 */
export async function signingInput(
  suite: SigningSuite,
  kind: Kind,
  document: JsonObject,
  opts: ExternalOptions,
  env: SigningEnv,
): Promise<SigningInput> {
  let captured: Uint8Array | undefined;
  await run(
    suite,
    kind,
    document,
    opts,
    externalSigner(opts.key, (data) => ((captured = Uint8Array.from(data)), new Uint8Array(64))),
    env,
  );
  if (!captured) throw new GatewayError(`suite ${suite.id} asked for no signature`, 'internal');
  return {
    suite: suite.id,
    alg: opts.key.alg,
    keyId: opts.key.keyId,
    bytes: captured,
    created: opts.created.toISOString(),
  };
}

/**
 * Assemble the secured credential or presentation from a signature made elsewhere over
 * `signingInput(...)` with the same options. The signature must verify against the key over exactly
 * those bytes, or nothing is assembled. ECDSA signatures may come DER-encoded (as OpenSSL writes them).
 */
export async function attachSignature(
  suite: SigningSuite,
  kind: Kind,
  document: JsonObject,
  opts: ExternalOptions,
  signature: Uint8Array,
  env: SigningEnv,
): Promise<Secured> {
  const expected = await signingInput(suite, kind, document, opts, env);
  const sig = opts.key.alg === 'ES256' ? ecdsaToJose(signature) : signature;
  const publicKey = createPublicKey({ key: opts.key.publicKeyJwk as JsonWebKey, format: 'jwk' });
  if (!verifyRaw(opts.key.alg, publicKey, expected.bytes, sig)) {
    throw new GatewayError(
      `the signature does not verify with key ${opts.key.keyId} (${opts.key.alg}) over the signing input of this ${kind} (suite ${suite.id}, created ${expected.created}): was it made over that input, with that key?`,
      'bad-request',
    );
  }
  return run(
    suite,
    kind,
    document,
    opts,
    externalSigner(opts.key, () => sig),
    env,
  );
}

/** An ECDSA P-256 signature as JOSE wants it (r ‖ s, 64 bytes), from DER or already raw. */
export function ecdsaToJose(sig: Uint8Array): Uint8Array {
  if (sig.length === 64) return sig;
  const b = Buffer.from(sig);
  if (b[0] !== 0x30) throw new GatewayError('an ECDSA signature must be DER or 64 bytes r‖s', 'bad-request');
  let i = 2;
  if (b[1]! & 0x80) i = 2 + (b[1]! & 0x7f);
  const int = () => {
    if (b[i] !== 0x02) throw new GatewayError('malformed DER ECDSA signature', 'bad-request');
    const len = b[i + 1]!;
    const v = b.subarray(i + 2, i + 2 + len);
    i += 2 + len;
    const trimmed = v[0] === 0 ? v.subarray(1) : v;
    if (trimmed.length > 32) throw new GatewayError('malformed DER ECDSA signature', 'bad-request');
    return Buffer.concat([Buffer.alloc(32 - trimmed.length), trimmed]);
  };
  const r = int();
  const s = int();
  return Buffer.concat([r, s]);
}
