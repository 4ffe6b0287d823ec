import * as vc from '@digitalbazaar/vc';
import jsigs from 'jsonld-signatures';
import { randomUUID } from 'node:crypto';
import { fail, pass, type Check } from '../checks.js';
import { describeError, GatewayError } from '../../core/errors.js';
import type { Signer } from '../keys/signer.js';
import { resolveVerificationMethod, validityCheck } from '../verification-method.js';
import { bindingChecks } from '../binding.js';
import {
  isPresentation,
  withoutProof,
  type JsonObject,
  type SignOptions,
  type SigningEnv,
  type SigningSuite,
  type SuiteId,
  type VerifyEnv,
} from './suite.js';

/** The signer shape jsonld-signatures expects; the private key stays inside our Signer. */
export function ldSigner(signer: Signer, verificationMethod: string) {
  if (signer.type !== 'Ed25519') {
    throw new GatewayError(
      `this suite signs with Ed25519 keys; key ${signer.keyId} is ${signer.type}`,
      'wrong-key-type',
    );
  }
  return {
    id: verificationMethod,
    algorithm: 'Ed25519',
    sign: async ({ data }: { data: Uint8Array }) => signer.sign(data),
  };
}

export async function issueWith(suite: unknown, credential: JsonObject, env: SigningEnv): Promise<JsonObject> {
  try {
    return await vc.issue({
      credential: structuredClone(credential),
      suite,
      documentLoader: env.canonizer.documentLoader,
    });
  } catch (err) {
    throw new GatewayError(`cannot sign the credential: ${describeError(err)}`, 'sign-failed', { cause: err });
  }
}

export async function signPresentationWith(
  suite: unknown,
  presentation: JsonObject,
  opts: SignOptions,
  env: SigningEnv,
): Promise<JsonObject> {
  try {
    return await vc.signPresentation({
      presentation: structuredClone(presentation),
      suite,
      challenge: opts.challenge ?? randomUUID(),
      ...(opts.domain ? { domain: opts.domain } : {}),
      documentLoader: env.canonizer.documentLoader,
    });
  } catch (err) {
    throw new GatewayError(`cannot sign the presentation: ${describeError(err)}`, 'sign-failed', { cause: err });
  }
}

/** Messages of @digitalbazaar/vc's nested verification errors. */
function vcErrors(result: { error?: unknown; results?: unknown[] }): string {
  const messages = new Set<string>();
  const visit = (e: unknown) => {
    if (!e) return;
    if (Array.isArray(e)) return e.forEach(visit);
    const err = e as { errors?: unknown[]; message?: string };
    if (err.errors?.length) err.errors.forEach(visit);
    else messages.add(describeError(e));
  };
  visit(result.error);
  for (const r of result.results ?? []) visit((r as { error?: unknown }).error);
  return [...messages].join('; ') || 'proof did not verify';
}

/**
 * Verify a Data Integrity / Linked Data proof with @digitalbazaar/vc, plus the gateway's own checks
 * of the verification method (DID document, assertionMethod, issuer, x5u).
 */
export async function verifyWithVc(
  document: JsonObject,
  suites: unknown[],
  env: VerifyEnv,
  label: string,
): Promise<Check[]> {
  const proof = document.proof as JsonObject | undefined;
  const checks: Check[] = [];
  try {
    // jsonld-signatures canonicalizes in-process without a deadline: bound the document first.
    await env.canonizer.toRdf(withoutProof(document));
  } catch (err) {
    return [fail('canonicalization', describeError(err))];
  }
  const vm = await resolveVerificationMethod(
    proof?.verificationMethod,
    document,
    env,
    proof?.proofPurpose ?? 'assertionMethod',
  );
  checks.push(...vm.checks.filter((c) => c.check !== 'public-key'));
  try {
    let result: { verified: boolean; error?: unknown; results?: unknown[] };
    if (isPresentation(document)) {
      // Only the presentation's own proof: its credentials are verified one by one by the caller,
      // whatever suite secured them.
      // The verifier's challenge and domain, when it gave them; else the proof's own (not a binding).
      const challenge = env.challenge ?? (proof?.challenge as string | undefined);
      const domain = env.domain ?? (proof?.domain as string | undefined);
      result = await jsigs.verify(document, {
        suite: suites,
        purpose: new jsigs.purposes.AuthenticationProofPurpose({
          challenge,
          ...(domain !== undefined ? { domain } : {}),
        }),
        documentLoader: env.verifyLoader,
      });
    } else {
      result = await vc.verifyCredential({
        credential: document,
        suite: suites,
        documentLoader: env.verifyLoader,
        checkStatus: async () => ({ verified: true }),
        now: env.now(),
      });
    }
    checks.push(result.verified ? pass('signature', `valid ${label}`) : fail('signature', vcErrors(result)));
    if (result.verified && isPresentation(document)) checks.push(...bindingChecks(proof ?? {}, env, true));
  } catch (err) {
    checks.push(fail('signature', describeError(err)));
  }
  const validity = validityCheck(document, env.now());
  if (validity) checks.push(validity);
  return checks;
}

/**
 * A suite signed and verified through @digitalbazaar/vc: `create` builds the jsonld-signatures suite
 * object (with a signer to sign, without one to verify).
 */
export function ldSuite(
  id: SuiteId,
  title: string,
  label: string,
  create: (signer?: ReturnType<typeof ldSigner>, date?: Date) => unknown,
  matches: (proof: JsonObject) => boolean,
) {
  const suite: SigningSuite = {
    id,
    title,
    keyTypes: ['Ed25519'],
    verificationMethodType: 'Multikey',
    async signCredential(credential, opts, env) {
      return {
        format: 'ldp',
        document: await issueWith(
          create(ldSigner(opts.signer, opts.verificationMethod), opts.created),
          credential,
          env,
        ),
      };
    },
    async signPresentation(presentation, opts, env) {
      return {
        format: 'ldp',
        document: await signPresentationWith(
          create(ldSigner(opts.signer, opts.verificationMethod), opts.created),
          presentation,
          opts,
          env,
        ),
      };
    },
    matches,
    verifyProof: (document, env) => verifyWithVc(document, [create()], env, label),
  };
  return suite;
}
