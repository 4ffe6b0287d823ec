import type { KeyObject } from 'node:crypto';
import type { JWK } from 'jose';
import { signRaw, type JwsAlg, type KeyType } from './key-types.js';

/**
 * What a suite needs to sign: the key's identity and a signing function. The private key stays in
 * this closure; a Signer serializes to its public facts only.
 */
export interface Signer {
  readonly keyId: string;
  readonly type: KeyType;
  readonly alg: JwsAlg;
  readonly publicKeyJwk: JWK;
  /** Sign bytes with the key's JWS algorithm (`alg`), JWS signature encoding. */
  sign(data: Uint8Array): Promise<Uint8Array>;
}

export function createSigner(
  info: { id: string; type: KeyType; alg: JwsAlg; publicKeyJwk: JWK },
  privateKey: KeyObject,
): Signer {
  return signerOf(info, async (data) => signRaw(info.alg, privateKey, data));
}

/**
 * A Signer of a key whose signing happens in `sign` (a private key in this process, a PKCS#11
 * token): frozen, and serialized to its public facts only.
 */
export function signerOf(
  info: { id: string; type: KeyType; alg: JwsAlg; publicKeyJwk: JWK },
  sign: (data: Uint8Array) => Promise<Uint8Array>,
): Signer {
  const signer: Signer = { keyId: info.id, type: info.type, alg: info.alg, publicKeyJwk: info.publicKeyJwk, sign };
  Object.defineProperty(signer, 'toJSON', { value: () => ({ keyId: info.id, type: info.type, alg: info.alg }) });
  return Object.freeze(signer);
}
