import { fail, pass, type Check } from './checks.js';
import { assertBounds } from './canonize.js';
import { describeError } from '../core/errors.js';
import { excerpt } from '../core/excerpt.js';
import { SUITES } from './suites/index.js';
import { isPresentation, typesOf, type JsonObject, type VerifyEnv } from './suites/suite.js';
import { envelopedJwt, verifyVcJose } from './suites/vc-jose.js';
import { issuerId } from './verification-method.js';

export interface VerificationReport {
  valid: boolean;
  kind: 'credential' | 'presentation';
  format: 'ldp' | 'jwt';
  /** The proof type(s) found, e.g. JsonWebSignature2020, vc+jwt. */
  proof?: string;
  id?: string;
  issuer?: string;
  types?: string[];
  checks: Check[];
  /**
   * Whether the x5u chains (here and in a presentation's credentials) end in a configured trust
   * anchor: `anchored`, `not-checked` (no anchor configured, or offline), or `no-chain` (no x5u:
   * the key is trusted through its DID alone).
   */
  trustAnchor: 'anchored' | 'not-checked' | 'no-chain';
  /** A presentation's credentials, each verified on its own. */
  credentials?: VerificationReport[];
}

function trustOf(checks: Check[], credentials: VerificationReport[]): VerificationReport['trustAnchor'] {
  const anchors = checks.filter((c) => c.check === 'x5u-trust-anchor' || c.check === 'x5u');
  const states = [
    ...anchors.map((c) => (c.notChecked ? 'not-checked' : c.check === 'x5u-trust-anchor' ? 'anchored' : 'no-chain')),
    ...credentials.map((c) => c.trustAnchor),
  ];
  if (states.includes('not-checked')) return 'not-checked';
  if (states.includes('anchored')) return 'anchored';
  return 'no-chain';
}

function report(
  kind: VerificationReport['kind'],
  format: VerificationReport['format'],
  doc: JsonObject | undefined,
  checks: Check[],
  proof?: string,
  credentials?: VerificationReport[],
): VerificationReport {
  const valid = checks.length > 0 && checks.every((c) => c.ok) && (credentials ?? []).every((c) => c.valid);
  const r: VerificationReport = { valid, kind, format, checks, trustAnchor: trustOf(checks, credentials ?? []) };
  if (proof) r.proof = excerpt(proof, 80);
  if (doc) {
    if (typeof doc.id === 'string') r.id = excerpt(doc.id, 200);
    const issuer = issuerId(doc);
    if (issuer) r.issuer = excerpt(issuer, 200);
    r.types = typesOf(doc)
      .slice(0, 10)
      .map((t) => excerpt(t, 80));
  }
  if (credentials) r.credentials = credentials;
  return r;
}

function pastDeadline(env: VerifyEnv): boolean {
  return env.deadline !== undefined && performance.now() > env.deadline;
}

/** Run `fn` over `items`, at most `limit` at once, results in order. */
async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}

async function verifyLdProof(doc: JsonObject, proof: JsonObject, env: VerifyEnv): Promise<Check[]> {
  // The suite whose proof this is verifies it: no list of proof types outside the suites.
  const suite = Object.values(SUITES).find((s) => s.matches?.(proof) && s.verifyProof);
  if (suite) return suite.verifyProof!({ ...doc, proof }, env);
  if (proof.type === 'DataIntegrityProof') {
    return [
      fail(
        'proof',
        `DataIntegrityProof cryptosuite ${excerpt(proof.cryptosuite, 40)} is not supported (eddsa-rdfc-2022 is)`,
      ),
    ];
  }
  return [
    fail(
      'proof',
      `proof type ${excerpt(proof.type, 40)} is not supported (JsonWebSignature2020, Ed25519Signature2020, DataIntegrityProof/eddsa-rdfc-2022)`,
    ),
  ];
}

async function verifyJwt(jwt: string, env: VerifyEnv, nested = false): Promise<VerificationReport> {
  const { checks, decoded } = await verifyVcJose(jwt, env);
  const payload = decoded?.payload;
  if (payload && isPresentation(payload)) {
    if (nested)
      return report('presentation', 'jwt', payload, [
        fail('nesting', 'a presentation inside a presentation is not allowed'),
      ]);
    const credentials = await verifyEmbedded(payload, env);
    return report('presentation', 'jwt', payload, checks, String(decoded?.header.typ), credentials);
  }
  return report('credential', 'jwt', payload, checks, decoded ? String(decoded.header.typ) : undefined);
}

/**
 * A presentation's credentials: at most verify.maxPresentationCredentials, verified (and their DIDs
 * resolved) a few at once, none started after the deadline. Presentations inside are refused.
 */
async function verifyEmbedded(presentation: JsonObject, env: VerifyEnv): Promise<VerificationReport[]> {
  const raw = presentation.verifiableCredential;
  const entries = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  const max = env.maxPresentationCredentials ?? 1000;
  if (entries.length > max) {
    return [
      report('credential', 'ldp', undefined, [
        fail(
          'presentation-size',
          `the presentation holds ${entries.length} credentials, more than ${max} (verify.maxPresentationCredentials); none was verified`,
        ),
      ]),
    ];
  }
  return mapLimit(entries, env.concurrency ?? 8, async (entry) => {
    if (pastDeadline(env))
      return report('credential', 'ldp', undefined, [
        fail('deadline', 'not verified: the verification ran out of time (verify.timeoutMs)'),
      ]);
    const jwt = typeof entry === 'string' ? entry : envelopedJwt(entry);
    if (jwt) return verifyJwt(jwt, env, true);
    if (entry && typeof entry === 'object' && !Array.isArray(entry))
      return verifyLdDocument(entry as JsonObject, env, true);
    return report('credential', 'ldp', undefined, [
      fail('credential', `unreadable verifiableCredential entry ${excerpt(entry, 60)}`),
    ]);
  });
}

async function verifyLdDocument(doc: JsonObject, env: VerifyEnv, nested = false): Promise<VerificationReport> {
  const presentation = isPresentation(doc);
  if (presentation && nested)
    return report('presentation', 'ldp', doc, [fail('nesting', 'a presentation inside a presentation is not allowed')]);
  const proofs = Array.isArray(doc.proof) ? (doc.proof as JsonObject[]) : doc.proof ? [doc.proof as JsonObject] : [];
  const checks: Check[] = [];
  if (proofs.length === 0) {
    checks.push(
      presentation
        ? pass('proof', 'unsigned presentation (Gaia-X clearing houses accept these; each credential is verified)')
        : fail('proof', 'the credential has no proof'),
    );
    if (presentation && (env.challenge !== undefined || env.domain !== undefined)) {
      checks.push(
        fail(
          env.challenge !== undefined ? 'challenge' : 'domain',
          'the verifier expects a challenge or domain, but the presentation is unsigned: nothing binds it to this verifier',
        ),
      );
    }
  }
  if (proofs.length > 16)
    return report(presentation ? 'presentation' : 'credential', 'ldp', doc, [
      fail('proof', `${proofs.length} proofs: more than 16 are not verified`),
    ]);
  for (const proof of proofs) checks.push(...(await verifyLdProof(doc, proof, env)));
  const types = proofs.map((p) =>
    String(p.type === 'DataIntegrityProof' ? `DataIntegrityProof/${String(p.cryptosuite)}` : p.type),
  );
  if (presentation) {
    return report('presentation', 'ldp', doc, checks, types.join(', ') || undefined, await verifyEmbedded(doc, env));
  }
  return report('credential', 'ldp', doc, checks, types.join(', ') || undefined);
}

/**
 * Verify a credential or presentation in any supported suite: a JSON-LD document with embedded
 * proof(s), or a vc+jwt / vp+jwt (string). Never throws for bad input: the report says what failed.
 */
export async function verifySecured(input: unknown, env: VerifyEnv, timeoutMs?: number): Promise<VerificationReport> {
  const deadline = timeoutMs === undefined ? env.deadline : performance.now() + timeoutMs;
  const bounded: VerifyEnv = deadline === undefined ? env : { ...env, deadline };
  const work = verifyUnbounded(input, bounded);
  if (deadline === undefined) return work;
  const budget = Math.max(0, Math.round(deadline - performance.now()));
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<VerificationReport>((resolve) => {
    timer = setTimeout(
      () =>
        resolve(
          report('credential', 'ldp', undefined, [
            fail('deadline', `the verification did not finish within ${budget} ms (verify.timeoutMs)`),
          ]),
        ),
      budget,
    );
  });
  try {
    return await Promise.race([work, late]);
  } finally {
    clearTimeout(timer);
  }
}

async function verifyUnbounded(input: unknown, env: VerifyEnv): Promise<VerificationReport> {
  try {
    let value = input;
    if (typeof value === 'string') {
      assertBounds(value, env.canonizer.limits);
      const text = value.trim();
      if (text.startsWith('{')) value = JSON.parse(text) as unknown;
      else return await verifyJwt(text, env);
    }
    assertBounds(value, env.canonizer.limits);
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      return report('credential', 'ldp', undefined, [
        fail('input', 'expected a JSON object (credential or presentation) or a JWT'),
      ]);
    }
    return await verifyLdDocument(value as JsonObject, env);
  } catch (err) {
    return report('credential', 'ldp', undefined, [fail('input', describeError(err))]);
  }
}
