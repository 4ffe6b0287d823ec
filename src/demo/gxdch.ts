import { createHash, generateKeyPairSync, randomUUID, X509Certificate, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeJwt, decodeProtectedHeader, exportJWK, SignJWT, type JWK } from 'jose';
import { createDevChains } from '../credentials/keys/certificates.js';
import { createSigner } from '../credentials/keys/signer.js';
import { createCanonizer } from '../credentials/canonize.js';
import { bundledContexts } from '../credentials/contexts.js';
import { createDocumentLoader } from '../credentials/document-loader.js';
import { getSuite } from '../credentials/suites/index.js';
import type { JsonObject } from '../core/ids.js';
import { didWebDocumentUrl } from '../credentials/did-web.js';
import { findVerificationMethod } from '../credentials/resolver.js';
import { parsePemChain } from '../credentials/x509.js';
import { isLoopbackHost } from '../net/guard.js';
import { shapesDir } from '../paths.js';
import { tagusTermsAndConditions } from '../describe/tagus-22.10.js';
import { startFake, type FakeResponse, type FakeServer } from './http.js';
import { asArray } from '../core/group.js';
import { issuerId } from '../credentials/verification-method.js';
import { envelopedJwt } from '../credentials/suites/vc-jose.js';
import { graphTypes, jcsDigest } from '../publish/compliance.js';
import { fakeNotary, type FakeNotaryOptions } from './notary.js';

/**
 * A Gaia-X Digital Clearing House (GXDCH) on one port, faithful where the gateway meets it
 * (../shared/gaia-x/COMPLIANCE-NOTES.md; gx-compliance, gx-registry, gx-notary):
 * - registry `/registry/v1/api/termsAndConditions`, `POST /registry/v1/api/trustAnchor/chain`
 *   (`{"certs": pem}` → `{"result": true}` or 409), `/registry/v1/shapes/implemented` (the classes
 *   its shapes target; a credential of another type is refused);
 * - compliance, Tagus: `POST /compliance/v1/api/credential-offers?vcid=` with a VC 1.1 presentation
 *   (JSON-LD, no proof needed); Loire: `POST /compliance/v2/api/credential-offers/{standard-compliance|
 *   label-level-1|2|3}?vcid=` with `application/vp+jwt` (each credential an
 *   EnvelopedVerifiableCredential `data:application/vc+jwt,…`);
 * - its notary under `/notary` (src/demo/notary.ts): v1 registration-number credentials in JSON-LD,
 *   v2 as VC-JWTs, signed with the same key under the notary's own DID;
 * - its own did:web (`/.well-known/did.json`) and x5u chain; the compliance credential is a VC-JWT
 *   signed with its key (ES256), valid 90 days, naming for each credential `sha256-` + hex SHA-256 of
 *   the RFC 8785 form of the credential as sent (Tagus `gx:integrity`, Loire `gx:digestSRI`).
 * It really checks: every credential's issuer chain (DID document → x5u) ends in one of its trust
 * anchors (any self-signed root when it has none: the lab's development mode), every subject type is
 * implemented, the participant is in the presentation (Tagus), and — with `verify` — each signature.
 * Refusals are 409 with `{statusCode, message, results}`; faults are switchable (`faults`).
 */
export interface FakeClearingHouseOptions {
  port?: number;
  /** Verify a credential or a presentation JWT (the gateway's verifier in tests and the demo); a problem or undefined. */
  verify?: (input: unknown) => Promise<string | undefined>;
  /** PEM roots issuers' chains must end in (none: any self-signed root, development mode). */
  trustAnchors?: string[];
  /** Fetch DID documents and x5u chains (default: fetch; http on loopback only). */
  fetchText?: (url: string) => Promise<string>;
  /** Days a compliance credential is valid (90). */
  validityDays?: number;
  /** Days a notary's registration-number credential is valid (365). */
  notaryValidityDays?: number;
  /** Run as production=true when a request does not say (only a notary's registration numbers are taken). */
  production?: boolean;
  /** Serve https with this certificate (its DID and x5u URLs then https too). */
  tls?: { cert: string; key: string };
}

export interface IssuedCompliance {
  id: string;
  generation: 'tagus' | 'loire';
  /** The answer's bytes: a JSON-LD credential, a VC-JWT or a VP-JWT (form). */
  body: string;
  form: TagusForm;
  covered: { id: string; digest: string }[];
}

export interface FakeClearingHouse extends FakeServer {
  did: string;
  /** Its root certificate (PEM): the trust anchor for what it issues. */
  rootPem: string;
  issued: IssuedCompliance[];
  /** Submissions refused (409) and issued, counted. */
  counts: { refused: number; issued: number };
  trustAnchors: string[];
  /** Change the terms and conditions its registry serves. */
  setTerms(text: string): void;
  /** Its notary (`/notary`), the notary's DID, what it issued, and numbers its registries do not know. */
  notaryUrl: string;
  notaryDid: string;
  notarized: FakeNotaryOptions['issued'];
  unknownNumbers: Set<string>;
  /** Answer Tagus submissions in this form whatever their Accept asks (the forms the gateway does not ask for). */
  tagusForm?: TagusForm;
  /** Change a Tagus answer before it is sent (a forged or broken clearing house, for tests). */
  tamper?: (answer: string) => string;
}

/** The Gaia-X terms and conditions the registry serves (Tagus: the text its shapes require). */
export function termsAndConditions(): { version: string; text: string; hash: string } {
  const text = tagusTermsAndConditions();
  return { version: '22.10', text, hash: createHash('sha256').update(text).digest('hex') };
}

/** The classes the Gaia-X shapes of both generations target (what the registry lists as implemented). */
export function implementedShapes(): string[] {
  const names = new Set<string>();
  for (const file of [join('22.10', 'gx_shacl.json'), join('25.11', 'gx.shacl.ttl')]) {
    const text = readFileSync(join(shapesDir, 'gaia-x', file), 'utf8');
    for (const m of text.matchAll(/targetClass"?\s*:?\s*(?:\{\s*"@id"\s*:\s*")?gx:([A-Za-z]+)/g)) names.add(m[1]!);
  }
  return [...names].sort();
}

/**
 * A refusal as the NestJS services answer it: `new ConflictException(text)` gives
 * `{message, error, statusCode}`; a rules verdict gives `{statusCode, message: {conforms, results}, error}`.
 */
const conflict = (message: string, results?: string[]): FakeResponse => ({
  status: 409,
  json: results
    ? { statusCode: 409, message: { conforms: false, results }, error: 'Conflict' }
    : { message, error: 'Conflict', statusCode: 409 },
});

/** The Tagus service's answer forms. */
export type TagusForm = 'json' | 'vc+jwt' | 'vp+ld+jwt';

/** The form the Tagus service answers in, by the request's Accept, as its ConversionInterceptor picks it. */
export function tagusFormFor(accept: string | undefined, subjects: number): { form: TagusForm; type: string } {
  const ranked = (accept ?? '')
    .split(',')
    .map((t) => {
      const [mediaType, q] = t.trim().split(';q=');
      return { mediaType: mediaType!.trim(), q: q ? parseFloat(q) : 1 };
    })
    .sort((a, b) => b.q - a.q);
  for (const { mediaType } of ranked) {
    if (mediaType === 'application/vc+jwt' || mediaType === 'application/jwt')
      // One credential: a VC-JWT; several: the VP-JWT of one VC-JWT each (jwt-vc.service.ts).
      return subjects > 1 ? { form: 'vp+ld+jwt', type: 'application/vp+ld+jwt' } : { form: 'vc+jwt', type: mediaType };
    if (mediaType === 'application/vp+ld+jwt') return { form: 'vp+ld+jwt', type: mediaType };
    if (mediaType === 'application/json') break;
  }
  return { form: 'json', type: 'application/json; charset=utf-8' };
}

export async function startFakeClearingHouse(opts: FakeClearingHouseOptions = {}): Promise<FakeClearingHouse> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const implemented = new Set(implementedShapes());
  /** What its registry serves as the terms and conditions (replaceable: a registry with other terms). */
  let terms = termsAndConditions();
  const issued: IssuedCompliance[] = [];
  const trustAnchors = [...(opts.trustAnchors ?? [])];
  const validityMs = (opts.validityDays ?? 90) * 24 * 3600_000;
  const fetchText =
    opts.fetchText ??
    (async (url: string) => {
      const r = await fetch(url, { signal: AbortSignal.timeout(10_000) });
      if (!r.ok) throw new Error(`${url} answered ${r.status}`);
      return r.text();
    });
  let did = '';
  let chainPem = '';
  let rsaChainPem = '';
  /** What a test forces (the returned object's tagusForm). */
  const forced: { tagusForm?: TagusForm; tamper?: (answer: string) => string } = {};
  let jwk: Record<string, unknown> = {};
  const counts = { refused: 0, issued: 0 };
  const notarized: FakeNotaryOptions['issued'] = [];
  const unknownNumbers = new Set<string>();
  const notary = fakeNotary({
    privateKey: privateKey as KeyObject,
    jwk: () => jwk,
    base: () => fake.url,
    validityDays: opts.notaryValidityDays ?? 365,
    unknown: unknownNumbers,
    issued: notarized,
  });

  /** A chain is trusted when its root is one of the anchors (any self-signed root without anchors). */
  const chainProblem = (pem: string): string | undefined => {
    let certs: X509Certificate[];
    try {
      certs = parsePemChain(pem);
    } catch (e) {
      return `the certificate chain does not parse: ${(e as Error).message}`;
    }
    const root = certs.at(-1);
    if (!root) return 'the certificate chain is empty';
    if (!root.checkIssued(root)) return `the chain ends in ${root.subject}, not in a root certificate`;
    if (!trustAnchors.length) return undefined;
    const anchored = trustAnchors.some((a) => new X509Certificate(a).fingerprint256 === root.fingerprint256);
    return anchored
      ? undefined
      : `the chain's root (${root.subject.replace(/\n/g, ', ')}) is not a Gaia-X trust anchor`;
  };

  /** DID documents and certificate chains are cached 5 minutes, as the clearing houses do. */
  const fetched = new Map<string, { until: number; text: Promise<string> }>();
  const cachedText = (url: string): Promise<string> => {
    const hit = fetched.get(url);
    if (hit && hit.until > Date.now()) return hit.text;
    const text = fetchText(url);
    fetched.set(url, { until: Date.now() + 300_000, text });
    text.catch(() => fetched.delete(url));
    return text;
  };

  /** The issuer's key as its DID document names it, with an x5u chain ending in a trust anchor. */
  const issuerProblem = async (issuer: string, method: string): Promise<string | undefined> => {
    if (!issuer.startsWith('did:web:')) return `the issuer ${issuer} is not a did:web`;
    let url: URL;
    try {
      url = didWebDocumentUrl(issuer, 'https');
      if (isLoopbackHost(url.hostname)) url.protocol = 'http:';
    } catch (e) {
      return (e as Error).message;
    }
    let doc: Record<string, unknown>;
    try {
      doc = JSON.parse(await cachedText(url.href)) as Record<string, unknown>;
    } catch (e) {
      return `the DID document of ${issuer} could not be resolved: ${(e as Error).message}`;
    }
    const vm = findVerificationMethod(doc, method);
    if (!vm) return `${method} is not a verification method of ${issuer}`;
    const x5u = (vm.publicKeyJwk as { x5u?: string } | undefined)?.x5u;
    if (!x5u) return `${method} has no x5u certificate chain`;
    try {
      return chainProblem(await cachedText(x5u));
    } catch (e) {
      return `the x5u chain ${x5u} could not be fetched: ${(e as Error).message}`;
    }
  };

  const typeProblems = (credential: Record<string, unknown>): string[] =>
    asArray(credential.credentialSubject).flatMap((s) =>
      asArray((s as { type?: unknown })?.type)
        .map(String)
        .filter((t) => !implemented.has(t.replace(/^gx:/, '')))
        .map((t) => `${String(credential.id)}: the type ${t} is not in the registry's implemented shapes`),
    );

  const sign = (payload: Record<string, unknown>) =>
    new SignJWT(payload)
      .setProtectedHeader({ alg: 'ES256', typ: 'vc+jwt', cty: 'vc', iss: did, kid: `${did}#X509-JWK2020` })
      .setIssuedAt()
      .sign(privateKey as KeyObject);

  // The Tagus service signs with an RSA key: JSON-LD JsonWebSignature2020 (Gaia-X flavour, PS256)
  // and, when asked for JWTs, RS256 with the header {"alg":"RS256","typ":"JWT"} (no kid).
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  let rsaJwk: Record<string, unknown> = {};
  const canonizer = createCanonizer(createDocumentLoader([...bundledContexts().values()]));
  const signLd = async (vc: JsonObject): Promise<JsonObject> => {
    const signer = createSigner(
      { id: 'JWK2020-RSA', type: 'RSA', alg: 'PS256', publicKeyJwk: rsaJwk as JWK },
      rsa.privateKey,
    );
    const secured = await getSuite('jws2020').signCredential(
      vc,
      { signer, verificationMethod: `${did}#JWK2020-RSA`, did },
      { canonizer },
    );
    if (secured.format !== 'ldp') throw new Error('expected JSON-LD');
    return secured.document;
  };
  /** jwt.util.ts signJWT: iat and exp from the credential's dates, iss its DID, sub = aud when given. */
  const rs256 = (payload: JsonObject, vc: JsonObject, subject?: string) => {
    const jwt = new SignJWT(payload)
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
      .setIssuedAt(Math.trunc(Date.parse(String(vc.issuanceDate)) / 1000))
      .setExpirationTime(Math.trunc(Date.parse(String(vc.expirationDate)) / 1000))
      .setIssuer(did);
    if (subject) jwt.setSubject(subject).setAudience(subject);
    return jwt.sign(rsa.privateKey);
  };

  const tagus = async (
    vcid: string,
    body: string,
    accept: string | undefined,
    production: boolean,
  ): Promise<FakeResponse> => {
    let vp: Record<string, unknown>;
    try {
      vp = JSON.parse(body) as Record<string, unknown>;
    } catch {
      return { status: 400, json: { message: 'the body is not JSON', error: 'Bad Request', statusCode: 400 } };
    }
    const credentials = asArray(vp.verifiableCredential) as Record<string, unknown>[];
    if (!asArray(vp.type).includes('VerifiablePresentation') || !credentials.length)
      return {
        status: 400,
        json: { message: 'expected a VerifiablePresentation', error: 'Bad Request', statusCode: 400 },
      };
    // Every type of a credential must be a shape the registry implements (shacl.service.ts), or
    // nothing else is looked at.
    if (
      credentials.some(
        (c) =>
          typeof c !== 'object' ||
          !c ||
          graphTypes(c as JsonObject).some(({ type }) => !implemented.has(type.replace(/^gx:/, ''))),
      )
    )
      return conflict('VerifiableCrdential contains a shape that is not defined in registry shapes');
    const results: string[] = [];
    for (const c of credentials) {
      if (!c.proof) {
        results.push(`${String(c.id)}: no proof (the Tagus service takes JSON-LD credentials with their proofs)`);
        continue;
      }
      const proof = c.proof as { verificationMethod?: string };
      const issuer = String(issuerId(c));
      const chain = await issuerProblem(issuer, String(proof.verificationMethod));
      if (chain) results.push(`${String(c.id)}: ${chain}`);
      const bad = await opts.verify?.(c);
      if (bad) results.push(`${String(c.id)}: ${bad}`);
    }
    const subjectsOf = (c: Record<string, unknown>) => asArray(c.credentialSubject) as Record<string, unknown>[];
    const types = credentials.flatMap((c) => subjectsOf(c).flatMap((s) => asArray(s?.type)));
    for (const c of credentials)
      for (const subject of subjectsOf(c))
        if (
          asArray(subject?.type).includes('gx:GaiaXTermsAndConditions') &&
          subject['gx:termsAndConditions'] !== terms.text
        )
          results.push(
            `${String(c.id)}: gx:termsAndConditions is not the text of the Gaia-X terms and conditions ${terms.version}`,
          );
    if (!types.includes('gx:LegalParticipant'))
      results.push('the presentation holds no gx:LegalParticipant: the participant must be in the same presentation');
    // The legal registration number (trust-framework-2210-validation.service.ts): present, and in
    // production issued by a notary the registry trusts (this clearing house's).
    const lrn = credentials.find((c) =>
      subjectsOf(c).some((s) => asArray(s?.type).includes('gx:legalRegistrationNumber')),
    );
    if (!lrn)
      results.push('Unable to find a VerifiableCredential containing the legalRegistrationNumber issued by a notary');
    else if (production && issuerId(lrn) !== notary.did())
      results.push('The issuer of the LegalRegistrationNumber VerifiableCredential is not trusted');
    if (results.length) return conflict('', results);
    const covered = credentials.map((c) => ({ id: String(c.id), digest: jcsDigest(c) }));
    const issuedAt = new Date();
    const subjects: JsonObject[] = credentials.map((c, n) => ({
      type: 'gx:compliance',
      id: covered[n]!.id,
      'gx:integrity': covered[n]!.digest,
      'gx:integrityNormalization': 'RFC8785:JCS',
      'gx:version': '22.10',
      'gx:type': subjectsOf(c)
        .flatMap((s) => asArray(s?.type).map(String))
        .filter((t) => t.startsWith('gx:'))
        .join(','),
    }));
    const vc: JsonObject = {
      '@context': [
        'https://www.w3.org/2018/credentials/v1',
        'https://w3id.org/security/suites/jws-2020/v1',
        'https://registry.lab.gaia-x.eu/development/api/trusted-shape-registry/v1/shapes/jsonld/trustframework#',
      ],
      type: ['VerifiableCredential'],
      id: vcid,
      issuer: did,
      issuanceDate: issuedAt.toISOString(),
      expirationDate: new Date(issuedAt.getTime() + validityMs).toISOString(),
      credentialSubject: subjects,
    };
    const signed = await signLd(vc);
    // proof.service.ts sets `created` after signing (the Gaia-X flavour does not cover it).
    (signed.proof as JsonObject).created = new Date().toISOString();
    const { form, type } = forced.tagusForm
      ? {
          form: forced.tagusForm,
          type: forced.tagusForm === 'json' ? 'application/json; charset=utf-8' : `application/${forced.tagusForm}`,
        }
      : tagusFormFor(accept, subjects.length);
    let text: string;
    const { proof: _proof, ...unsigned } = signed;
    if (form === 'json') text = JSON.stringify(signed, null, 2);
    else if (form === 'vc+jwt') {
      const providers = new Set(
        credentials
          .flatMap((c) => subjectsOf(c).map((s) => (s?.['gx:providedBy'] as { id?: string } | undefined)?.id))
          .filter(Boolean),
      );
      const subject = providers.size === 1 ? String([...providers][0]) : vcid;
      text = await rs256({ vc: { ...unsigned, credentialSubject: subjects[0]! } }, unsigned, subject);
    } else {
      // jwt-vp.service.ts: a VC-JWT per subject, each with a new random id, in a VP-JWT.
      const inner = await Promise.all(
        subjects.map((cs) => {
          const id = `${fake.url}/credential-offers/${randomUUID()}`;
          return rs256({ vc: { ...unsigned, id, credentialSubject: cs } }, unsigned, id);
        }),
      );
      text = await rs256(
        {
          vp: {
            '@context': ['https://www.w3.org/2018/credentials/v1'],
            type: ['VerifiablePresentation'],
            verifiableCredential: inner,
          },
        },
        unsigned,
      );
    }
    if (forced.tamper) text = forced.tamper(text);
    issued.push({ id: vcid, generation: 'tagus', body: text, form, covered });
    return { status: 201, headers: { 'content-type': type }, text };
  };

  const loire = async (vcid: string, level: string, body: string, contentType: string): Promise<FakeResponse> => {
    if (!/^application\/vp\+(ld\+)?jwt/.test(contentType))
      return {
        status: 415,
        json: {
          statusCode: 415,
          message: `expected application/vp+jwt, not ${contentType}`,
          error: 'Unsupported Media Type',
        },
      };
    let header: Record<string, unknown>;
    let vp: Record<string, unknown>;
    try {
      header = decodeProtectedHeader(body.trim()) as Record<string, unknown>;
      vp = decodeJwt(body.trim()) as Record<string, unknown>;
    } catch (e) {
      return {
        status: 400,
        json: { statusCode: 400, message: `not a JWT: ${(e as Error).message}`, error: 'Bad Request' },
      };
    }
    const results: string[] = [];
    const bad = await opts.verify?.(body.trim());
    if (bad) results.push(`presentation: ${bad}`);
    const covered: { id: string; digest: string; type: string }[] = [];
    for (const e of asArray(vp.verifiableCredential) as Record<string, unknown>[]) {
      const jwt = envelopedJwt(e);
      if (e?.type !== 'EnvelopedVerifiableCredential' || !jwt) {
        results.push('every credential must be an EnvelopedVerifiableCredential with a data:application/vc+jwt id');
        continue;
      }
      let vc: Record<string, unknown>;
      let vcHeader: Record<string, unknown>;
      try {
        vc = decodeJwt(jwt) as Record<string, unknown>;
        vcHeader = decodeProtectedHeader(jwt) as Record<string, unknown>;
      } catch (err) {
        results.push(`an enveloped credential is not a JWT: ${(err as Error).message}`);
        continue;
      }
      results.push(...typeProblems(vc));
      const issuer = String(issuerId(vc));
      const chain = await issuerProblem(issuer, String(vcHeader.kid));
      if (chain) results.push(`${String(vc.id)}: ${chain}`);
      const types = asArray(vc.credentialSubject).flatMap((s) => asArray((s as { type?: unknown })?.type));
      covered.push({ id: String(vc.id), digest: jcsDigest(vc), type: String(types[0] ?? 'VerifiableCredential') });
    }
    if (!covered.length && !results.length) results.push('the presentation holds no credential');
    if (typeof header.kid !== 'string') results.push('the presentation JWT has no kid');
    if (results.length) return conflict('', results);
    const from = new Date();
    const jwt = await sign({
      '@context': ['https://www.w3.org/ns/credentials/v2', 'https://w3id.org/gaia-x/development#'],
      type: ['VerifiableCredential', 'gx:LabelCredential'],
      id: vcid,
      issuer: did,
      validFrom: from.toISOString(),
      validUntil: new Date(from.getTime() + validityMs).toISOString(),
      credentialSubject: {
        id: `${vcid}#cs`,
        type: 'gx:LabelCredential',
        'gx:labelLevel': {
          'standard-compliance': 'SC',
          'label-level-1': 'L1',
          'label-level-2': 'L2',
          'label-level-3': 'L3',
        }[level],
        'gx:engineVersion': '2.0.0-fake',
        'gx:rulesVersion': 'CD25.11',
        'gx:compliantCredentials': covered.map((c) => ({ id: c.id, type: c.type, 'gx:digestSRI': c.digest })),
      },
    });
    issued.push({ id: vcid, generation: 'loire', body: jwt, form: 'vc+jwt', covered });
    return { status: 201, headers: { 'content-type': 'application/vc+jwt' }, text: jwt };
  };

  const fake = await startFake(
    async (req, url, body): Promise<FakeResponse | undefined> => {
      const path = url.pathname;
      if (req.method === 'GET' && path === '/.well-known/did.json')
        return {
          json: {
            '@context': ['https://www.w3.org/ns/did/v1', 'https://w3id.org/security/suites/jws-2020/v1'],
            id: did,
            verificationMethod: [
              { id: `${did}#X509-JWK2020`, type: 'JsonWebKey2020', controller: did, publicKeyJwk: jwk },
              { id: `${did}#JWK2020-RSA`, type: 'JsonWebKey2020', controller: did, publicKeyJwk: rsaJwk },
            ],
            assertionMethod: [`${did}#X509-JWK2020`, `${did}#JWK2020-RSA`],
          },
        };
      if (req.method === 'GET' && path === '/.well-known/x509CertificateChain.pem')
        return { headers: { 'content-type': 'application/x-pem-file' }, text: chainPem };
      if (req.method === 'GET' && path === '/.well-known/x509CertificateChain-rsa.pem')
        return { headers: { 'content-type': 'application/x-pem-file' }, text: rsaChainPem };
      if (path.startsWith('/notary/')) return notary.handle(req.method ?? 'GET', url, body);
      if (req.method === 'GET' && path === '/registry/v1/api/termsAndConditions') return { json: terms };
      if (req.method === 'GET' && path === '/registry/v1/shapes/implemented') return { json: [...implemented] };
      if (req.method === 'POST' && path === '/registry/v1/api/trustAnchor/chain') {
        const certs = (JSON.parse(body || '{}') as { certs?: string }).certs ?? '';
        const problem = chainProblem(certs);
        return problem ? conflict(problem) : { json: { result: true } };
      }
      const vcid = url.searchParams.get('vcid') ?? '';
      if (
        req.method === 'POST' &&
        (path === '/compliance/v1/api/credential-offers' || /^\/compliance\/v2\//.test(path))
      ) {
        if (!/^https?:\/\//.test(vcid))
          return {
            status: 400,
            json: { statusCode: 400, message: 'vcid must be the URL of the credential to issue', error: 'Bad Request' },
          };
        const out =
          path === '/compliance/v1/api/credential-offers'
            ? await tagus(
                vcid,
                body,
                req.headers.accept,
                (url.searchParams.get('production') ?? String(opts.production ?? false)) === 'true',
              )
            : await (async () => {
                const m = /^\/compliance\/v2\/api\/credential-offers\/(standard-compliance|label-level-[123])$/.exec(
                  path,
                );
                return m ? loire(vcid, m[1]!, body, req.headers['content-type'] ?? '') : undefined;
              })();
        if (out?.status === 409) counts.refused++;
        if (out?.status === 201) counts.issued++;
        return out;
      }
      return undefined;
    },
    { ...(opts.port !== undefined ? { port: opts.port } : {}), ...(opts.tls ? { tls: opts.tls } : {}) },
  );
  did = `did:web:${encodeURIComponent(new URL(fake.url).host)}`;
  const [chain, rsaChain] = await createDevChains([publicKey, rsa.publicKey], 'fake Gaia-X clearing house');
  chainPem = chain!.chainPem;
  rsaChainPem = rsaChain!.chainPem;
  rsaJwk = {
    ...(await exportJWK(rsa.publicKey)),
    alg: 'PS256',
    x5u: `${fake.url}/.well-known/x509CertificateChain-rsa.pem`,
  };

  jwk = { ...(await exportJWK(publicKey)), alg: 'ES256', x5u: `${fake.url}/.well-known/x509CertificateChain.pem` };
  const out = Object.assign(fake, {
    did,
    rootPem: chain!.rootPem,
    issued,
    trustAnchors,
    counts,
    notaryUrl: `${fake.url}/notary`,
    notaryDid: notary.did(),
    notarized,
    unknownNumbers,
    setTerms(text: string) {
      terms = { version: terms.version, text, hash: createHash('sha256').update(text).digest('hex') };
    },
  });
  Object.defineProperties(out, {
    tagusForm: {
      get: () => forced.tagusForm,
      set: (form: TagusForm | undefined) => (forced.tagusForm = form),
      enumerable: true,
    },
    tamper: {
      get: () => forced.tamper,
      set: (f: ((answer: string) => string) | undefined) => (forced.tamper = f),
      enumerable: true,
    },
  });
  return out as FakeClearingHouse;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const fake = await startFakeClearingHouse({ port: Number(process.argv[2] ?? 0) });
  process.stdout.write(
    `fake Gaia-X clearing house at ${fake.url} (did ${fake.did}; registry /registry/v1, notary /notary (v1, v2), compliance /compliance/v1 (Tagus) and /compliance/v2 (Loire); any self-signed issuer root; signatures checked only when the gateway runs it)\n`,
  );
}
