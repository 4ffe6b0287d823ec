import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { GatewayError } from '../core/errors.js';
import {
  ALGS_FOR,
  assertAlgForType,
  keyTypeOf,
  publicJwk,
  type JwsAlg,
  type KeyType,
} from '../credentials/keys/key-types.js';
import { parsePemChain, sameKey } from '../credentials/x509.js';
import type { JWK } from 'jose';

export interface OfficerKeyInput {
  id: string;
  officer: string;
  jwk?: Record<string, unknown>;
  pem?: string;
  chainPem?: string;
  alg?: string;
}

export interface ParsedOfficerKey {
  type: KeyType;
  alg: JwsAlg;
  jwk: JWK;
  chainPem: string | null;
}

const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k'];

/**
 * An officer's public key as an admin registers it: a public JWK or a PEM public key (or a
 * certificate), with an optional chain whose leaf must hold the same key. Private keys are refused:
 * the gateway never holds an officer's private key.
 */
export function parseOfficerKey(input: OfficerKeyInput): ParsedOfficerKey {
  if (!input.jwk === !input.pem) throw new GatewayError('give the public key as jwk or as pem (one of them)', 'usage');
  let key: KeyObject;
  try {
    if (input.jwk) {
      if (PRIVATE_MEMBERS.some((m) => m in input.jwk!))
        throw new GatewayError('this JWK holds a private key: register the public key only', 'bad-key');
      key = createPublicKey({ key: input.jwk as JsonWebKey, format: 'jwk' });
    } else {
      if (/PRIVATE KEY-----/.test(input.pem!))
        throw new GatewayError(
          'this PEM is a private key: register the public key only (openssl pkey -pubout)',
          'bad-key',
        );
      const certs = /BEGIN CERTIFICATE/.test(input.pem!) ? parsePemChain(input.pem!) : [];
      key = certs[0] ? certs[0].publicKey : createPublicKey(input.pem!);
    }
  } catch (err) {
    if (err instanceof GatewayError) throw err;
    throw new GatewayError(`the public key cannot be read: ${(err as Error).message}`, 'bad-key');
  }
  const type = keyTypeOf(key);
  const alg = input.alg ?? ALGS_FOR[type][0]!;
  assertAlgForType(type, alg);
  let chainPem: string | null = null;
  if (input.chainPem) {
    let chain;
    try {
      chain = parsePemChain(input.chainPem);
    } catch (err) {
      throw new GatewayError(`the certificate chain cannot be read: ${(err as Error).message}`, 'bad-key');
    }
    if (!chain[0] || !sameKey(chain[0].publicKey, key))
      throw new GatewayError("the chain's first certificate does not hold this key (the leaf comes first)", 'bad-key');
    chainPem = input.chainPem.trim() + '\n';
  }
  return { type, alg, jwk: publicJwk(key), chainPem };
}
