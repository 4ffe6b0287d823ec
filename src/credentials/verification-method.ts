import { createPublicKey, type JsonWebKey, type KeyObject } from 'node:crypto';
import { fail, notChecked, pass, type Check } from './checks.js';
import { excerpt } from '../core/excerpt.js';
import { describeError } from '../core/errors.js';
import { findVerificationMethod, isAuthorizedFor } from './resolver.js';
import type { JsonObject, VerifyEnv } from './suites/suite.js';
import { checkX5uChain } from './x509.js';

export interface ResolvedMethod {
  checks: Check[];
  /** The public key, when the method could be resolved and read. */
  key?: KeyObject;
  jwk?: JsonWebKey & { alg?: string; x5u?: string };
}

function didOf(didUrl: string): string {
  const i = didUrl.indexOf('#');
  return i >= 0 ? didUrl.slice(0, i) : didUrl;
}

export function issuerId(doc: JsonObject): string | undefined {
  const issuer = doc.issuer ?? doc.holder;
  if (typeof issuer === 'string') return issuer;
  if (issuer && typeof issuer === 'object' && typeof (issuer as { id?: unknown }).id === 'string')
    return (issuer as { id: string }).id;
  return undefined;
}

/**
 * Resolve a proof's verification method and check it: found in the DID document under exactly this
 * id, authorized for assertions, controlled by the document's issuer, and its x5u chain (if any).
 */
export async function resolveVerificationMethod(
  vmId: unknown,
  document: JsonObject,
  env: VerifyEnv,
  /** The proof's stated purpose; checked against the matching relationship of the DID document. */
  purpose: unknown = 'assertionMethod',
): Promise<ResolvedMethod> {
  const checks: Check[] = [];
  if (purpose !== 'assertionMethod' && purpose !== 'authentication') {
    return {
      checks: [
        fail(
          'proof-purpose',
          `proofPurpose ${excerpt(purpose, 40)} is not one gx-gateway verifies (assertionMethod, authentication)`,
        ),
      ],
    };
  }
  if (typeof vmId !== 'string' || !vmId.includes('#')) {
    return {
      checks: [
        fail('verification-method', `verificationMethod must be a DID URL with a fragment (got ${excerpt(vmId, 80)})`),
      ],
    };
  }
  if (vmId.length > 2048) {
    return {
      checks: [
        fail(
          'verification-method',
          `verificationMethod ${excerpt(vmId, 60)} is longer than a DID URL can be (2048 characters)`,
        ),
      ],
    };
  }
  const did = didOf(vmId);
  // Both come from the document being verified: quoted as short excerpts only.
  const vmText = excerpt(vmId, 200);
  const didText = excerpt(did, 120);
  const issuer = issuerId(document);
  if (issuer !== undefined) {
    checks.push(
      issuer === did
        ? pass('issuer', `issuer ${excerpt(issuer, 200)} controls the key`)
        : fail('issuer', `issuer ${excerpt(issuer, 120)} differs from the DID of the signing key (${didText})`),
    );
  }
  let didDocument: JsonObject;
  try {
    didDocument = await env.dids.resolve(did);
  } catch (err) {
    checks.push(fail('did-resolution', describeError(err)));
    return { checks };
  }
  checks.push(pass('did-resolution', `resolved ${excerpt(did, 200)}`));
  const vm = findVerificationMethod(didDocument, vmId);
  if (!vm) {
    checks.push(
      fail('verification-method', `${vmText} is not a verification method id in the DID document of ${didText}`),
    );
    return { checks };
  }
  checks.push(pass('verification-method', `${vmText} (${excerpt(vm.type, 40)})`));
  checks.push(
    isAuthorizedFor(didDocument, vmId, purpose)
      ? pass('proof-purpose', `${vmText} is listed under ${purpose} of ${didText}`)
      : fail('proof-purpose', `${vmText} is not listed under ${purpose} in the DID document (the proof's purpose)`),
  );
  const jwk = vm.publicKeyJwk as (JsonWebKey & { alg?: string; x5u?: string }) | undefined;
  if (!jwk) {
    checks.push(fail('public-key', `${vmText} has no publicKeyJwk`));
    return { checks };
  }
  let key: KeyObject;
  try {
    const { alg: _a, x5u: _x, kid: _k, use: _u, key_ops: _o, ...bare } = jwk as JsonWebKey & Record<string, unknown>;
    key = createPublicKey({ key: bare as JsonWebKey, format: 'jwk' });
  } catch (err) {
    checks.push(
      fail(
        'public-key',
        `the publicKeyJwk of ${vmText} is not a usable public key (${excerpt((err as Error).message, 80)})`,
      ),
    );
    return { checks };
  }
  if (jwk.x5u) {
    if (env.skipX5u) {
      checks.push(
        notChecked(
          'x5u',
          `not fetched (offline verification), so its trust anchor is not checked: ${excerpt(jwk.x5u, 200)}`,
        ),
      );
    } else {
      try {
        const pem = await env.dids.fetchText(
          jwk.x5u,
          'application/x-pem-file, application/pem-certificate-chain, text/plain',
        );
        checks.push(...checkX5uChain(jwk, pem, { now: env.now(), trustAnchors: env.trustAnchors }));
      } catch (err) {
        checks.push(fail('x5u', `cannot fetch the x5u chain ${excerpt(jwk.x5u, 200)}: ${describeError(err)}`));
      }
    }
  }
  return { checks, key, jwk };
}

/** VC validity dates (v1 issuanceDate/expirationDate, v2 validFrom/validUntil) against the clock. */
export function validityCheck(doc: JsonObject, now: Date): Check | undefined {
  const from = (doc.validFrom ?? doc.issuanceDate) as string | undefined;
  const until = (doc.validUntil ?? doc.expirationDate) as string | undefined;
  if (from === undefined && until === undefined) return undefined;
  const f = from === undefined ? undefined : new Date(from);
  const u = until === undefined ? undefined : new Date(until);
  if ((f && Number.isNaN(f.getTime())) || (u && Number.isNaN(u.getTime()))) {
    return fail(
      'validity-period',
      `unreadable validity dates (from ${excerpt(from, 40)}, until ${excerpt(until, 40)})`,
    );
  }
  if (f && f > now) return fail('validity-period', `not valid before ${excerpt(from, 40)}`);
  if (u && u < now) return fail('validity-period', `expired on ${excerpt(until, 40)}`);
  return pass(
    'validity-period',
    `valid${from ? ` from ${excerpt(from, 40)}` : ''}${until ? ` until ${excerpt(until, 40)}` : ''}`,
  );
}
