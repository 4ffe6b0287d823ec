import type { KeyObject } from 'node:crypto';
import { SignJWT, type JWK } from 'jose';
import { createCanonizer } from '../credentials/canonize.js';
import { bundledContexts, CONTEXTS } from '../credentials/contexts.js';
import { createDocumentLoader } from '../credentials/document-loader.js';
import { createSigner } from '../credentials/keys/signer.js';
import { getSuite } from '../credentials/suites/index.js';
import type { FakeResponse } from './http.js';

/**
 * The notary of the fake clearing house (gx-notary, registration numbers), under `/notary`:
 * - v1 (Tagus): `POST /notary/v1/registrationNumberVC?vcid=` with `{@context, type:
 *   gx:legalRegistrationNumber, id, gx:vatID | gx:leiCode | gx:EORI | gx:EUID | gx:taxID}` → a
 *   JSON-LD credential about that id, with `evidence`, signed JsonWebSignature2020;
 * - v2 (Loire): `GET /notary/v2/registration-numbers/{vat-id|lei-code|eori|euid|tax-id}/{value}
 *   ?vcId=&subjectId=` → a VC-JWT (ES256) whose subject is `gx:VatID`… with the number.
 * Its DID is `did:web:<host>:notary` (`/notary/did.json`), with the clearing house's key and x5u.
 * Numbers are checked as the notary's registries would: VAT IDs (VIES) and EORIs by their form, LEI
 * codes by their ISO 17442 check digits, and any number in `unknown` is not found (400).
 */
export interface FakeNotaryOptions {
  privateKey: KeyObject;
  /** Its public JWK with x5u. */
  jwk: () => JWK;
  /** The clearing house's base URL (once listening). */
  base: () => string;
  validityDays: number;
  /** Numbers no registry knows (answered 400 as VIES or GLEIF would). */
  unknown: Set<string>;
  issued: { vcid: string; type: string; value: string; version: 'v1' | 'v2' }[];
}

const V2 = {
  'vat-id': {
    type: 'VatID',
    key: 'vatID',
    evidence: 'https://ec.europa.eu/taxation_customs/vies/services/checkVatService',
  },
  'lei-code': { type: 'LeiCode', key: 'leiCode', evidence: 'https://api.gleif.org/api/v1/lei-records/' },
  eori: {
    type: 'EORI',
    key: 'eori',
    evidence: 'https://ec.europa.eu/taxation_customs/dds2/eos/validation/services/validation',
  },
  euid: {
    type: 'EUID',
    key: 'euid',
    evidence: 'https://e-justice.europa.eu/489/EN/business_registers__search_for_a_company_in_the_eu',
  },
  'tax-id': { type: 'TaxID', key: 'https://schema.org/taxID', evidence: 'https://ec.europa.eu/taxation_customs/tin/' },
} as const;
const V1_KEYS: Record<string, keyof typeof V2> = {
  'gx:vatID': 'vat-id',
  'gx:leiCode': 'lei-code',
  'gx:EORI': 'eori',
  'gx:EUID': 'euid',
  'gx:taxID': 'tax-id',
};

/** ISO 17442: 18 characters and two check digits, the whole number mod 97 = 1 (ISO 7064). */
function leiValid(lei: string): boolean {
  if (!/^[0-9A-Z]{18}[0-9]{2}$/.test(lei)) return false;
  let rest = 0;
  for (const ch of lei) {
    const digits = /[0-9]/.test(ch) ? ch : String(ch.charCodeAt(0) - 55);
    for (const d of digits) rest = (rest * 10 + Number(d)) % 97;
  }
  return rest === 1;
}

function numberProblem(kind: keyof typeof V2, value: string, unknown: Set<string>): string | undefined {
  if (unknown.has(value)) return `${value} was not found in the registry (${V2[kind].evidence})`;
  if (kind === 'vat-id' && !/^[A-Z]{2}[0-9A-Za-z+*.]{2,12}$/.test(value)) return `Invalid VAT number ${value}`;
  if (kind === 'lei-code' && !leiValid(value)) return `Invalid LEI code ${value}: its check digits do not match`;
  if (kind === 'eori' && !/^[A-Z]{2}[0-9A-Z]{1,15}$/.test(value)) return `Invalid EORI ${value}`;
  if (!value.trim()) return 'the registration number is empty';
  return undefined;
}

const bad = (message: string): FakeResponse => ({
  status: 400,
  json: { statusCode: 400, message, error: 'Bad Request' },
});

export function fakeNotary(opts: FakeNotaryOptions) {
  const did = () => `did:web:${encodeURIComponent(new URL(opts.base()).host)}:notary`;
  const kid = () => `${did()}#X509-JWK2020`;
  const contexts = [...bundledContexts().values()];
  const canonizer = createCanonizer(createDocumentLoader(contexts));
  const signer = () =>
    createSigner({ id: 'notary', type: 'P-256', alg: 'ES256', publicKeyJwk: opts.jwk() }, opts.privateKey);
  const validity = () => {
    const from = new Date();
    return { from: from.toISOString(), until: new Date(from.getTime() + opts.validityDays * 86_400_000).toISOString() };
  };

  const v1 = async (vcid: string, body: string): Promise<FakeResponse> => {
    let request: Record<string, unknown>;
    try {
      request = JSON.parse(body) as Record<string, unknown>;
    } catch {
      return bad('the body is not JSON');
    }
    if (request.type !== 'gx:legalRegistrationNumber' || typeof request.id !== 'string')
      return bad('expected {"type": "gx:legalRegistrationNumber", "id": …} with a registration number');
    const numbers = Object.keys(V1_KEYS).filter((k) => typeof request[k] === 'string');
    if (!numbers.length) return bad('no registration number (gx:vatID, gx:leiCode, gx:EORI, gx:EUID, gx:taxID)');
    for (const k of numbers) {
      const problem = numberProblem(V1_KEYS[k]!, String(request[k]), opts.unknown);
      if (problem) return bad(problem);
    }
    const { from, until } = validity();
    const subject: Record<string, unknown> = { id: request.id, type: 'gx:legalRegistrationNumber' };
    for (const k of numbers) subject[k] = request[k];
    const credential = {
      '@context': [CONTEXTS.credentialsV1, CONTEXTS.jws2020, CONTEXTS.tagus2210],
      type: ['VerifiableCredential'],
      id: vcid,
      issuer: did(),
      issuanceDate: from,
      expirationDate: until,
      credentialSubject: subject,
      evidence: numbers.map((k) => ({
        'gx:evidenceURL': V2[V1_KEYS[k]!].evidence,
        'gx:executionDate': from,
        'gx:evidenceOf': k,
      })),
    };
    const secured = await getSuite('jws2020').signCredential(
      credential,
      { signer: signer(), verificationMethod: kid(), did: did() },
      { canonizer },
    );
    if (secured.format !== 'ldp') throw new Error('jws2020 signs JSON-LD');
    for (const k of numbers) opts.issued.push({ vcid, type: k, value: String(request[k]), version: 'v1' });
    return { status: 200, headers: { 'content-type': 'application/vc+ld+json' }, json: secured.document };
  };

  const v2 = async (kind: keyof typeof V2, value: string, vcid: string, subjectId: string): Promise<FakeResponse> => {
    const problem = numberProblem(kind, value, opts.unknown);
    if (problem) return bad(problem);
    if (!/^https?:\/\//.test(subjectId)) return bad('subjectId must be the IRI the legal person references');
    const { from, until } = validity();
    const n = V2[kind];
    const jwt = await new SignJWT({
      '@context': [CONTEXTS.credentialsV2, CONTEXTS.gaiaX2511],
      type: ['VerifiableCredential'],
      id: vcid,
      issuer: did(),
      validFrom: from,
      validUntil: until,
      credentialSubject: {
        id: subjectId,
        type: n.type,
        [n.key]: value,
        ...(kind === 'vat-id' ? { countryCode: value.slice(0, 2).replace('EL', 'GR') } : {}),
      },
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'vc+jwt', cty: 'vc', iss: did(), kid: kid() })
      .sign(opts.privateKey);
    opts.issued.push({ vcid, type: n.key, value, version: 'v2' });
    return { status: 200, headers: { 'content-type': 'application/vc+jwt' }, text: jwt };
  };

  return {
    did,
    async handle(method: string, url: URL, body: string): Promise<FakeResponse | undefined> {
      const path = url.pathname;
      if (method === 'GET' && path === '/notary/did.json')
        return {
          json: {
            '@context': [CONTEXTS.didV1, CONTEXTS.jws2020],
            id: did(),
            verificationMethod: [{ id: kid(), type: 'JsonWebKey2020', controller: did(), publicKeyJwk: opts.jwk() }],
            assertionMethod: [kid()],
          },
        };
      const vcid = url.searchParams.get('vcid') ?? url.searchParams.get('vcId') ?? '';
      if (path !== '/notary/v1/registrationNumberVC' && !path.startsWith('/notary/v2/registration-numbers/'))
        return undefined;
      if (!/^https?:\/\//.test(vcid)) return bad('vcid must be the URL of the credential to issue');
      if (method === 'POST' && path === '/notary/v1/registrationNumberVC') return v1(vcid, body);
      const m = /^\/notary\/v2\/registration-numbers\/([a-z-]+)\/([^/]+)$/.exec(path);
      if (method === 'GET' && m) {
        if (!(m[1]! in V2))
          return bad(`unknown registration number type ${m[1]}: one of ${Object.keys(V2).join(', ')}`);
        return v2(m[1] as keyof typeof V2, decodeURIComponent(m[2]!), vcid, url.searchParams.get('subjectId') ?? '');
      }
      return undefined;
    },
  };
}
