import type { X509Certificate } from 'node:crypto';
import type { Canonizer } from '../canonize.js';
import type { Check } from '../checks.js';
import type { DocumentLoader } from '../document-loader.js';
import type { KeyType } from '../keys/key-types.js';
import type { Signer } from '../keys/signer.js';
import type { DidResolverService } from '../resolver.js';

import type { JsonObject, SuiteId } from '../../core/ids.js';
export type { JsonObject, SuiteId } from '../../core/ids.js';

/** A secured credential or presentation: a JSON-LD document with an embedded proof, or a JWT. */
export type Secured =
  | { format: 'ldp'; document: JsonObject }
  | { format: 'jwt'; jwt: string; mediaType: 'application/vc+jwt' | 'application/vp+jwt' };

export interface SignOptions {
  signer: Signer;
  /** The DID URL of the key (`did:web:…#key-id`); must equal an id in the DID document. */
  verificationMethod: string;
  /** The signing DID. */
  did: string;
  created?: Date;
  /** Presentations: verifier's challenge and domain (Data Integrity suites). */
  challenge?: string;
  domain?: string;
}

/** What signing needs besides the key: offline canonicalization. */
export interface SigningEnv {
  canonizer: Canonizer;
}

/** What verification needs: contexts + DID resolution, trust anchors, a clock. */
export interface VerifyEnv extends SigningEnv {
  dids: DidResolverService;
  /** Contexts plus did: URLs. */
  verifyLoader: DocumentLoader;
  trustAnchors: X509Certificate[];
  now: () => Date;
  /** Skip fetching x5u chains (offline verification of local files). */
  skipX5u?: boolean;
  /** Presentations: the challenge (nonce) and domain (audience) the verifier expects. */
  challenge?: string;
  domain?: string;
  /** performance.now() by which the whole verification must be done. */
  deadline?: number;
  /** Most credentials in one presentation (verify.maxPresentationCredentials). */
  maxPresentationCredentials?: number;
  /** Credentials of a presentation verified at once. */
  concurrency?: number;
  /** Allowance for JWT exp, nbf and iat, in seconds. */
  clockSkewSeconds?: number;
}

/** One signing suite: signs credentials and presentations, verifies its own proofs. */
export interface SigningSuite {
  readonly id: SuiteId;
  readonly title: string;
  readonly keyTypes: readonly KeyType[];
  /** Which of the key's verification methods the proof names: its JsonWebKey2020 (default) or its Multikey. */
  readonly verificationMethodType?: 'JsonWebKey2020' | 'Multikey';
  signCredential(credential: JsonObject, opts: SignOptions, env: SigningEnv): Promise<Secured>;
  /** Wrap already-secured credentials in a presentation secured by this suite. */
  signPresentation(presentation: JsonObject, opts: SignOptions, env: SigningEnv): Promise<Secured>;
  /**
   * Whether an embedded proof is this suite's to verify (JSON-LD suites; VC-JOSE secures JWTs).
   * One suite answers for a proof type: JsonWebSignature2020 is verified by `jws2020`, which tries
   * both flavours as a clearing house does.
   */
  matches?(proof: JsonObject): boolean;
  /** Verify `document` with its one proof of this suite, every check reported. */
  verifyProof?(document: JsonObject, env: VerifyEnv): Promise<Check[]>;
}

export function withoutProof(doc: JsonObject): JsonObject {
  const { proof: _proof, ...rest } = doc;
  return rest;
}

export function contextsOf(doc: JsonObject): unknown[] {
  const ctx = doc['@context'];
  return Array.isArray(ctx) ? ctx : ctx === undefined ? [] : [ctx];
}

/** Add a context URL to a document if it is not already there (returns a copy). */
export function ensureContext(doc: JsonObject, url: string): JsonObject {
  const ctx = contextsOf(doc);
  if (ctx.includes(url)) return doc;
  return { ...doc, '@context': [...ctx, url] };
}

export function typesOf(doc: JsonObject): string[] {
  const t = doc.type ?? doc['@type'];
  return Array.isArray(t) ? t.map(String) : t === undefined ? [] : [String(t)];
}

export function isPresentation(doc: JsonObject): boolean {
  return typesOf(doc).includes('VerifiablePresentation');
}
