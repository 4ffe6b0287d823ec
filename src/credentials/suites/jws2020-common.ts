import { createHash, constants, verify as cryptoVerify, type KeyObject } from 'node:crypto';
import { b64u, fromB64u } from '../base64url.js';
import type { Canonizer } from '../canonize.js';
import { fail, pass, type Check } from '../checks.js';
import { CONTEXTS } from '../contexts.js';
import type { JwsAlg } from '../keys/key-types.js';
import { resolveVerificationMethod, validityCheck } from '../verification-method.js';
import { bindingChecks } from '../binding.js';
import { GatewayError, describeError } from '../../core/errors.js';
import { excerpt } from '../../core/excerpt.js';
import {
  ensureContext,
  isPresentation,
  withoutProof,
  type JsonObject,
  type SignOptions,
  type SigningSuite,
  type SigningEnv,
  type VerifyEnv,
} from './suite.js';

export type Jws2020Flavour = 'gaia-x' | 'ccg';

const sha256 = (data: string | Uint8Array) => createHash('sha256').update(data).digest();

/**
 * The bytes signed (the JWS payload, b64=false) for each flavour:
 * - gaia-x: the lowercase hex SHA-256 of the canonical document, as ASCII;
 * - ccg: SHA-256(canonical proof options) ‖ SHA-256(canonical document).
 */
export async function jws2020Payload(
  flavour: Jws2020Flavour,
  doc: JsonObject,
  proof: JsonObject,
  canonizer: Canonizer,
  canonicalDoc?: string,
): Promise<Uint8Array> {
  canonicalDoc ??= await canonizer.canonize(withoutProof(doc));
  if (flavour === 'gaia-x') return Buffer.from(sha256(canonicalDoc).toString('hex'), 'ascii');
  const { jws: _jws, proofValue: _pv, signatureValue: _sv, ...options } = proof;
  const canonicalOptions = await canonizer.canonize({ '@context': doc['@context'], ...options });
  return Buffer.concat([sha256(canonicalOptions), sha256(canonicalDoc)]);
}

function signingInput(protectedHeader: string, payload: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from(`${protectedHeader}.`, 'ascii'), payload]);
}

/** Why the Gaia-X flavour cannot bind a presentation to a verifier. */
export const GAIA_X_UNSIGNED_BINDING =
  "the Gaia-X flavour of JsonWebSignature2020 signs the document only, not the proof's challenge or domain";

export async function signJws2020(
  flavour: Jws2020Flavour,
  document: JsonObject,
  opts: SignOptions,
  env: SigningEnv,
  proofPurpose = 'assertionMethod',
): Promise<JsonObject> {
  if (flavour === 'gaia-x' && (opts.challenge !== undefined || opts.domain !== undefined)) {
    throw new GatewayError(
      `${GAIA_X_UNSIGNED_BINDING}, so a verifier could not rely on them: use --suite jws2020-ccg, eddsa-rdfc-2022, ed25519-2020 or vc-jose for a challenge`,
      'usage',
    );
  }
  const doc = ensureContext(withoutProof(document), CONTEXTS.jws2020);
  const proof: JsonObject = {
    type: 'JsonWebSignature2020',
    created: (opts.created ?? new Date()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    proofPurpose,
    verificationMethod: opts.verificationMethod,
  };
  if (opts.challenge) proof.challenge = opts.challenge;
  if (opts.domain) proof.domain = opts.domain;
  const header = b64u(JSON.stringify({ alg: opts.signer.alg, b64: false, crit: ['b64'] }));
  const payload = await jws2020Payload(flavour, doc, proof, env.canonizer);
  const signature = await opts.signer.sign(signingInput(header, payload));
  return { ...doc, proof: { ...proof, jws: `${header}..${b64u(signature)}` } };
}

export function verifyRaw(alg: string, key: KeyObject, data: Uint8Array, signature: Uint8Array): boolean {
  switch (alg as JwsAlg) {
    case 'EdDSA':
      return key.asymmetricKeyType === 'ed25519' && cryptoVerify(null, data, key, signature);
    case 'ES256':
      return (
        key.asymmetricKeyType === 'ec' && cryptoVerify('sha256', data, { key, dsaEncoding: 'ieee-p1363' }, signature)
      );
    case 'PS256':
      return (
        key.asymmetricKeyType === 'rsa' &&
        cryptoVerify('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, signature)
      );
    case 'RS256':
      return (
        key.asymmetricKeyType === 'rsa' &&
        cryptoVerify('sha256', data, { key, padding: constants.RSA_PKCS1_PADDING }, signature)
      );
    default:
      return false;
  }
}

/**
 * Verify a JsonWebSignature2020 proof like a Gaia-X clearing house: the Gaia-X flavour first, the
 * W3C CCG flavour as a fallback (or only `only`). Reports which flavour matched.
 */
export async function verifyJws2020(document: JsonObject, env: VerifyEnv, only?: Jws2020Flavour): Promise<Check[]> {
  const proof = document.proof as JsonObject | undefined;
  const checks: Check[] = [];
  if (!proof || proof.type !== 'JsonWebSignature2020') return [fail('proof', 'no JsonWebSignature2020 proof')];
  const jws = proof.jws;
  const parts = typeof jws === 'string' ? jws.split('.') : [];
  if (parts.length !== 3 || parts[1] !== '') {
    return [fail('jws', 'proof.jws must be a detached JWS (header..signature)')];
  }
  let header: { alg?: string; b64?: boolean; crit?: string[] };
  let signature: Buffer;
  try {
    header = JSON.parse(fromB64u(parts[0]!).toString('utf8')) as typeof header;
    signature = fromB64u(parts[2]!);
  } catch {
    return [fail('jws', `proof.jws ${excerpt(jws, 40)}: its header or signature is not base64url JSON`)];
  }
  if (header.b64 !== false || !header.crit?.includes('b64')) {
    checks.push(fail('jws', 'the JWS header must be {"alg":…,"b64":false,"crit":["b64"]}'));
    return checks;
  }
  checks.push(pass('jws', `detached JWS, alg ${excerpt(header.alg, 20)}`));
  const vm = await resolveVerificationMethod(
    proof.verificationMethod,
    document,
    env,
    proof.proofPurpose ?? 'assertionMethod',
  );
  checks.push(...vm.checks);
  if (!vm.key) return checks;
  if (vm.jwk?.alg && vm.jwk.alg !== header.alg) {
    checks.push(fail('algorithm', `the JWS uses ${excerpt(header.alg, 20)} but the key is declared for ${vm.jwk.alg}`));
    return checks;
  }
  const flavours: Jws2020Flavour[] = only ? [only] : ['gaia-x', 'ccg'];
  let matched: Jws2020Flavour | undefined;
  try {
    // Both flavours hash the same canonical document: canonicalize it once.
    const canonicalDoc = await env.canonizer.canonize(withoutProof(document));
    for (const flavour of flavours) {
      const payload = await jws2020Payload(flavour, document, proof, env.canonizer, canonicalDoc);
      if (verifyRaw(String(header.alg), vm.key, signingInput(parts[0]!, payload), signature)) {
        matched = flavour;
        break;
      }
    }
  } catch (err) {
    checks.push(fail('canonicalization', describeError(err)));
    return checks;
  }
  checks.push(
    matched
      ? pass('signature', `valid JsonWebSignature2020 (${matched === 'gaia-x' ? 'Gaia-X flavour' : 'W3C CCG flavour'})`)
      : fail(
          'signature',
          `the signature does not match the document (tried ${flavours.join(' and ')} flavour${flavours.length > 1 ? 's' : ''})`,
        ),
  );
  if (isPresentation(document)) checks.push(...bindingChecks(proof, env, matched === 'ccg' || GAIA_X_UNSIGNED_BINDING));
  const validity = validityCheck(document, env.now());
  if (validity) checks.push(validity);
  return checks;
}

/** A JsonWebSignature2020 signing suite of one flavour (the two differ only in what they sign). */
export function jws2020Suite(flavour: Jws2020Flavour, id: SigningSuite['id'], title: string): SigningSuite {
  return {
    id,
    title,
    keyTypes: ['RSA', 'P-256', 'Ed25519'],
    signCredential: async (credential, opts, env) => ({
      format: 'ldp',
      document: await signJws2020(flavour, credential, opts, env),
    }),
    signPresentation: async (presentation, opts, env) => ({
      format: 'ldp',
      document: await signJws2020(flavour, presentation, opts, env),
    }),
  };
}
