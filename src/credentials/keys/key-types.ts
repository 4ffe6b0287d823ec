import { constants, createPublicKey, generateKeyPair, sign as cryptoSign, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import type { JWK } from 'jose';
import { GatewayError } from '../../core/errors.js';

import type { KeyType } from '../../core/ids.js';
export type { KeyType } from '../../core/ids.js';
export type JwsAlg = 'EdDSA' | 'ES256' | 'PS256' | 'RS256';

export { KEY_TYPES } from '../../core/ids.js';
export const MIN_RSA_BITS = 2048;

/** JWS algorithms each key type can sign with; the first is the default. */
export const ALGS_FOR: Record<KeyType, readonly JwsAlg[]> = {
  Ed25519: ['EdDSA'],
  'P-256': ['ES256'],
  RSA: ['PS256', 'RS256'],
};

const generate = promisify(generateKeyPair);

export async function generateKey(type: KeyType, rsaBits = 3072): Promise<KeyObject> {
  switch (type) {
    case 'Ed25519':
      return (await generate('ed25519')).privateKey;
    case 'P-256':
      return (await generate('ec', { namedCurve: 'P-256' })).privateKey;
    case 'RSA':
      if (!Number.isInteger(rsaBits) || rsaBits < MIN_RSA_BITS) {
        throw new GatewayError(`RSA keys need at least ${MIN_RSA_BITS} bits (got ${rsaBits})`, 'bad-key');
      }
      return (await generate('rsa', { modulusLength: rsaBits })).privateKey;
  }
}

/** The gx-gateway key type of a Node key object, or a clear error for anything unsupported. */
export function keyTypeOf(key: KeyObject): KeyType {
  const kind = key.asymmetricKeyType;
  if (kind === 'ed25519') return 'Ed25519';
  if (kind === 'ec') {
    const curve = key.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1' || curve === 'P-256') return 'P-256';
    throw new GatewayError(`EC curve ${curve ?? 'unknown'} is not supported; use P-256`, 'bad-key');
  }
  if (kind === 'rsa') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS)
      throw new GatewayError(`RSA key has ${bits} bits; at least ${MIN_RSA_BITS} are required`, 'bad-key');
    return 'RSA';
  }
  throw new GatewayError(
    `key type ${kind ?? 'unknown'} is not supported; use Ed25519, P-256 or RSA (${MIN_RSA_BITS}+ bits)`,
    'bad-key',
  );
}

export function publicJwk(key: KeyObject): JWK {
  const pub = key.type === 'private' ? createPublicKey(key) : key;
  const jwk = pub.export({ format: 'jwk' }) as JWK;
  // Canonical member order keeps DID documents byte-stable.
  const ordered: JWK = { kty: jwk.kty };
  for (const k of ['crv', 'x', 'y', 'n', 'e'] as const) if (jwk[k] !== undefined) ordered[k] = jwk[k];
  return ordered;
}

/** A raw JWS signature (RFC 7515/7518 encoding) of `data` with `alg`. */
export function signRaw(alg: JwsAlg, key: KeyObject, data: Uint8Array): Uint8Array {
  switch (alg) {
    case 'EdDSA':
      return cryptoSign(null, data, key);
    case 'ES256':
      return cryptoSign('sha256', data, { key, dsaEncoding: 'ieee-p1363' });
    case 'PS256':
      return cryptoSign('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 });
    case 'RS256':
      return cryptoSign('sha256', data, { key, padding: constants.RSA_PKCS1_PADDING });
  }
}

export function assertAlgForType(type: KeyType, alg: string): asserts alg is JwsAlg {
  if (!(ALGS_FOR[type] as readonly string[]).includes(alg)) {
    throw new GatewayError(
      `algorithm ${alg} does not fit a ${type} key; use ${ALGS_FOR[type].join(' or ')}`,
      'bad-key',
    );
  }
}
