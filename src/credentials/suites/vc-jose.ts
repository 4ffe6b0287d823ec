import { compactVerify, errors as joseErrors } from 'jose';
import { b64u, fromB64u } from '../base64url.js';
import { fail, pass, type Check } from '../checks.js';
import { CONTEXTS } from '../contexts.js';
import { bindingChecks } from '../binding.js';
import { GatewayError, describeError } from '../../core/errors.js';
import { excerpt } from '../../core/excerpt.js';
import { resolveVerificationMethod, validityCheck } from '../verification-method.js';
import {
  contextsOf,
  isPresentation,
  type JsonObject,
  type SignOptions,
  type SigningSuite,
  type VerifyEnv,
} from './suite.js';

export const VC_TYPES = ['vc+jwt', 'vc+ld+json+jwt', 'vc+ld+jwt'];
export const VP_TYPES = ['vp+jwt', 'vp+ld+json+jwt', 'vp+ld+jwt'];
const ENVELOPE_PREFIX = 'data:application/vc+jwt,';
const ALT_ENVELOPE_PREFIXES = [ENVELOPE_PREFIX, 'data:application/vc+ld+json+jwt,', 'data:application/vc+ld+jwt,'];

async function compactJws(header: JsonObject, payload: JsonObject, opts: SignOptions): Promise<string> {
  const input = `${b64u(JSON.stringify(header))}.${b64u(JSON.stringify(payload))}`;
  const signature = await opts.signer.sign(Buffer.from(input, 'ascii'));
  return `${input}.${b64u(signature)}`;
}

function assertV2(doc: JsonObject, what: string): void {
  if (contextsOf(doc)[0] !== CONTEXTS.credentialsV2) {
    throw new GatewayError(
      `VC-JOSE secures VC Data Model 2.0 ${what}s: the first @context must be ${CONTEXTS.credentialsV2}`,
      'wrong-data-model',
    );
  }
}

export function envelope(jwt: string): JsonObject {
  return { '@context': CONTEXTS.credentialsV2, type: 'EnvelopedVerifiableCredential', id: `${ENVELOPE_PREFIX}${jwt}` };
}

/** The JWT inside an EnvelopedVerifiableCredential, if `entry` is one. */
export function envelopedJwt(entry: unknown): string | undefined {
  if (!entry || typeof entry !== 'object') return undefined;
  const id = (entry as { id?: unknown }).id;
  if (typeof id !== 'string') return undefined;
  const prefix = ALT_ENVELOPE_PREFIXES.find((p) => id.startsWith(p));
  return prefix ? id.slice(prefix.length) : undefined;
}

/**
 * VC-JOSE (VC Data Model 2.0 secured as JWT): the payload is the credential itself, the protected
 * header carries alg, typ, cty, iss (the DID) and kid (the DID URL of the key).
 */
export const vcJose: SigningSuite = {
  id: 'vc-jose',
  title: 'VC-JOSE: VC Data Model 2.0 as vc+jwt / vp+jwt',
  keyTypes: ['RSA', 'P-256', 'Ed25519'],
  async signCredential(credential, opts, env) {
    assertV2(credential, 'credential');
    // Refuse what JSON-LD cannot read (undefined terms would be silently dropped by verifiers).
    await env.canonizer.canonize(credential);
    const header = { alg: opts.signer.alg, typ: 'vc+jwt', cty: 'vc', iss: opts.did, kid: opts.verificationMethod };
    return { format: 'jwt', jwt: await compactJws(header, credential, opts), mediaType: 'application/vc+jwt' };
  },
  async signPresentation(presentation, opts, env) {
    assertV2(presentation, 'presentation');
    await env.canonizer.canonize(presentation);
    const header = { alg: opts.signer.alg, typ: 'vp+jwt', cty: 'vp', iss: opts.did, kid: opts.verificationMethod };
    // The verifier's challenge and domain travel as the JWT claims nonce and aud, inside the signature.
    const claims: JsonObject = { iat: Math.floor((opts.created ?? new Date()).getTime() / 1000) };
    if (opts.challenge !== undefined) claims.nonce = opts.challenge;
    if (opts.domain !== undefined) claims.aud = opts.domain;
    return {
      format: 'jwt',
      jwt: await compactJws(header, { ...presentation, ...claims }, opts),
      mediaType: 'application/vp+jwt',
    };
  },
};

export interface DecodedJwt {
  header: JsonObject;
  payload: JsonObject;
}

/** Registered JWT claims (RFC 7519, OpenID): JOSE metadata beside the credential, not JSON-LD. */
export const JWT_CLAIMS = ['iss', 'sub', 'aud', 'exp', 'nbf', 'iat', 'jti', 'nonce', 'cnf'] as const;

/** The credential or presentation of a VC-JOSE payload: the payload without its JWT claims. */
export function withoutJwtClaims(payload: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(payload)) if (!(JWT_CLAIMS as readonly string[]).includes(k)) out[k] = v;
  return out;
}

/** exp, nbf and iat of a JWT against the clock, with an allowance for clock skew. */
export function jwtTimeChecks(payload: JsonObject, now: Date, skewSeconds: number): Check[] {
  const checks: Check[] = [];
  const t = now.getTime() / 1000;
  const at = (v: number) => new Date(v * 1000).toISOString();
  for (const claim of ['exp', 'nbf', 'iat'] as const) {
    const v = payload[claim];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      checks.push(fail(`jwt-${claim}`, `${claim} must be a NumericDate (seconds since 1970), not ${excerpt(v, 40)}`));
      continue;
    }
    if (claim === 'exp')
      checks.push(
        v + skewSeconds < t
          ? fail('jwt-exp', `the JWT expired at ${at(v)} (exp)`)
          : pass('jwt-exp', `expires ${at(v)}`),
      );
    if (claim === 'nbf')
      checks.push(
        v - skewSeconds > t
          ? fail('jwt-nbf', `the JWT is not valid before ${at(v)} (nbf)`)
          : pass('jwt-nbf', `valid from ${at(v)}`),
      );
    if (claim === 'iat')
      checks.push(
        v - skewSeconds > t
          ? fail('jwt-iat', `the JWT claims to be issued in the future, ${at(v)} (iat)`)
          : pass('jwt-iat', `issued ${at(v)}`),
      );
  }
  const exp = payload.exp;
  const nbf = payload.nbf ?? payload.iat;
  if (typeof exp === 'number' && typeof nbf === 'number' && exp < nbf)
    checks.push(fail('jwt-exp', 'exp is before nbf/iat'));
  return checks;
}

export function decodeJwt(jwt: string): DecodedJwt {
  const text = jwt.trim();
  if (!text)
    throw new GatewayError('the input is empty: expected a JSON credential or presentation, or a JWT', 'bad-jwt');
  const parts = text.split('.');
  if (parts.length !== 3)
    throw new GatewayError('neither JSON nor a compact JWS (a JWT has three dot-separated base64url parts)', 'bad-jwt');
  try {
    return {
      header: JSON.parse(fromB64u(parts[0]!).toString('utf8')) as JsonObject,
      payload: JSON.parse(fromB64u(parts[1]!).toString('utf8')) as JsonObject,
    };
  } catch {
    throw new GatewayError('the JWT header or payload is not base64url-encoded JSON', 'bad-jwt');
  }
}

/** Verify a vc+jwt or vp+jwt (the presentation's own signature only; its credentials separately). */
export async function verifyVcJose(jwt: string, env: VerifyEnv): Promise<{ checks: Check[]; decoded?: DecodedJwt }> {
  const checks: Check[] = [];
  let decoded: DecodedJwt;
  try {
    decoded = decodeJwt(jwt);
  } catch (err) {
    return { checks: [fail('jwt', describeError(err))] };
  }
  const { header, payload } = decoded;
  const presentation = isPresentation(payload);
  const typ = String(header.typ ?? '');
  const allowed = presentation ? VP_TYPES : VC_TYPES;
  checks.push(
    allowed.includes(typ)
      ? pass('jwt-type', `typ ${typ}`)
      : fail('jwt-type', `header typ ${excerpt(typ, 40)} is not one of ${allowed.join(', ')}`),
  );
  if ('vc' in payload || 'vp' in payload) {
    checks.push(
      fail(
        'jwt-payload',
        'the payload wraps the credential in a vc/vp claim (VC-JWT 1.1); VC-JOSE needs the credential itself',
      ),
    );
  }
  const kid = header.kid;
  if (typeof kid !== 'string') {
    checks.push(fail('verification-method', 'the protected header has no kid (the DID URL of the key)'));
    return { checks, decoded };
  }
  if (kid.length > 2048) {
    checks.push(
      fail('verification-method', `the kid ${excerpt(kid, 60)} is longer than a DID URL can be (2048 characters)`),
    );
    return { checks, decoded };
  }
  const kidDid = kid.split('#')[0];
  if (header.iss === undefined) {
    checks.push(fail('jwt-iss', 'the protected header has no iss (clearing houses reject such JWTs)'));
  } else if (header.iss !== kidDid) {
    checks.push(
      fail('jwt-iss', `header iss ${excerpt(header.iss, 80)} differs from the DID of kid (${excerpt(kidDid, 80)})`),
    );
  } else {
    checks.push(pass('jwt-iss', `iss ${excerpt(header.iss, 120)}`));
  }
  if (payload.iss !== undefined && payload.iss !== header.iss) {
    checks.push(fail('jwt-iss', `the payload's iss ${excerpt(payload.iss, 80)} differs from the header's`));
  }
  // A vc+jwt is an issuer's assertion; a vp+jwt is its holder authenticating.
  const vm = await resolveVerificationMethod(kid, payload, env, presentation ? 'authentication' : 'assertionMethod');
  checks.push(...vm.checks);
  if (!vm.key) return { checks, decoded };
  const algs = vm.jwk?.alg ? [vm.jwk.alg] : ['PS256', 'RS256', 'ES256', 'EdDSA'];
  try {
    await compactVerify(jwt.trim(), vm.key, { algorithms: algs });
    checks.push(pass('signature', `valid ${typ} signed with ${excerpt(header.alg, 20)}`));
  } catch (err) {
    const reason =
      err instanceof joseErrors.JWSSignatureVerificationFailed
        ? 'the signature does not match the header and payload'
        : describeError(err);
    checks.push(fail('signature', reason));
  }
  checks.push(...jwtTimeChecks(payload, env.now(), env.clockSkewSeconds ?? 60));
  if (presentation)
    checks.push(
      ...bindingChecks({ challenge: payload.nonce, domain: payload.aud }, env, true, {
        challenge: 'nonce',
        domain: 'aud',
      }),
    );
  try {
    await env.canonizer.canonize(withoutJwtClaims(payload));
    checks.push(pass('json-ld', 'the payload is valid JSON-LD with only defined terms'));
  } catch (err) {
    checks.push(fail('json-ld', describeError(err)));
  }
  const validity = validityCheck(payload, env.now());
  if (validity) checks.push(validity);
  return { checks, decoded };
}
