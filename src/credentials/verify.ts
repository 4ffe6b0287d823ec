import { fail, pass, type Check } from './checks.js';
import { assertSize } from './canonize.js';
import { describeError } from './errors.js';
import { verifyJws2020 } from './suites/jws2020-common.js';
import { verifyEd25519Signature2020 } from './suites/ed25519-2020.js';
import { verifyEddsaRdfc2022 } from './suites/eddsa-rdfc-2022.js';
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
  /** A presentation's credentials, each verified on its own. */
  credentials?: VerificationReport[];
}

function report(kind: VerificationReport['kind'], format: VerificationReport['format'], doc: JsonObject | undefined, checks: Check[], proof?: string, credentials?: VerificationReport[]): VerificationReport {
  const valid = checks.length > 0 && checks.every((c) => c.ok) && (credentials ?? []).every((c) => c.valid);
  const r: VerificationReport = { valid, kind, format, checks };
  if (proof) r.proof = proof;
  if (doc) {
    if (typeof doc.id === 'string') r.id = doc.id;
    const issuer = issuerId(doc);
    if (issuer) r.issuer = issuer;
    r.types = typesOf(doc);
  }
  if (credentials) r.credentials = credentials;
  return r;
}

async function verifyLdProof(doc: JsonObject, proof: JsonObject, env: VerifyEnv): Promise<Check[]> {
  const single = { ...doc, proof };
  switch (proof.type) {
    case 'JsonWebSignature2020':
      return verifyJws2020(single, env);
    case 'Ed25519Signature2020':
      return verifyEd25519Signature2020(single, env);
    case 'DataIntegrityProof':
      if (proof.cryptosuite === 'eddsa-rdfc-2022') return verifyEddsaRdfc2022(single, env);
      return [fail('proof', `DataIntegrityProof cryptosuite "${String(proof.cryptosuite)}" is not supported (eddsa-rdfc-2022 is)`)];
    default:
      return [fail('proof', `proof type "${String(proof.type)}" is not supported (JsonWebSignature2020, Ed25519Signature2020, DataIntegrityProof/eddsa-rdfc-2022)`)];
  }
}

async function verifyJwt(jwt: string, env: VerifyEnv): Promise<VerificationReport> {
  const { checks, decoded } = await verifyVcJose(jwt, env);
  const payload = decoded?.payload;
  if (payload && isPresentation(payload)) {
    const credentials = await verifyEmbedded(payload, env);
    return report('presentation', 'jwt', payload, checks, String(decoded?.header.typ), credentials);
  }
  return report('credential', 'jwt', payload, checks, decoded ? String(decoded.header.typ) : undefined);
}

async function verifyEmbedded(presentation: JsonObject, env: VerifyEnv): Promise<VerificationReport[]> {
  const raw = presentation.verifiableCredential;
  const entries = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  const out: VerificationReport[] = [];
  for (const entry of entries) {
    const jwt = typeof entry === 'string' ? entry : envelopedJwt(entry);
    if (jwt) out.push(await verifyJwt(jwt, env));
    else if (entry && typeof entry === 'object') out.push(await verifyLdDocument(entry as JsonObject, env));
    else out.push(report('credential', 'ldp', undefined, [fail('credential', `unreadable verifiableCredential entry ${JSON.stringify(entry)}`)]));
  }
  return out;
}

async function verifyLdDocument(doc: JsonObject, env: VerifyEnv): Promise<VerificationReport> {
  const presentation = isPresentation(doc);
  const proofs = Array.isArray(doc.proof) ? (doc.proof as JsonObject[]) : doc.proof ? [doc.proof as JsonObject] : [];
  const checks: Check[] = [];
  if (proofs.length === 0) {
    checks.push(
      presentation
        ? pass('proof', 'unsigned presentation (Gaia-X clearing houses accept these; each credential is verified)')
        : fail('proof', 'the credential has no proof'),
    );
  }
  for (const proof of proofs) checks.push(...(await verifyLdProof(doc, proof, env)));
  const types = proofs.map((p) => String(p.type === 'DataIntegrityProof' ? `DataIntegrityProof/${String(p.cryptosuite)}` : p.type));
  if (presentation) {
    return report('presentation', 'ldp', doc, checks, types.join(', ') || undefined, await verifyEmbedded(doc, env));
  }
  return report('credential', 'ldp', doc, checks, types.join(', ') || undefined);
}

/**
 * Verify a credential or presentation in any supported suite: a JSON-LD document with embedded
 * proof(s), or a vc+jwt / vp+jwt (string). Never throws for bad input: the report says what failed.
 */
export async function verifySecured(input: unknown, env: VerifyEnv): Promise<VerificationReport> {
  try {
    assertSize(input, env.canonizer.limits.maxDocumentBytes);
    let value = input;
    if (typeof value === 'string') {
      const text = value.trim();
      if (text.startsWith('{')) value = JSON.parse(text) as unknown;
      else return await verifyJwt(text, env);
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      return report('credential', 'ldp', undefined, [fail('input', 'expected a JSON object (credential or presentation) or a JWT')]);
    }
    return await verifyLdDocument(value as JsonObject, env);
  } catch (err) {
    return report('credential', 'ldp', undefined, [fail('input', describeError(err))]);
  }
}
