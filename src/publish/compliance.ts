import { createHash, type X509Certificate } from 'node:crypto';
import { peerFetch } from '../net/peer-fetch.js';
import canonicalize from 'canonicalize';
import { compactVerify, decodeJwt, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import type { JsonObject } from '../core/ids.js';
import { asArray } from '../core/group.js';
import { createDidResolver, findVerificationMethod, type DidResolverService } from '../credentials/resolver.js';
import { checkX5uChain } from '../credentials/x509.js';
import type { VerificationReport } from '../credentials/verify.js';
import { issuerId } from '../credentials/verification-method.js';
import { createGuardedFetcher } from '../net/guarded-fetch.js';
import { allowedNetworks } from '../net/guard.js';
import { responseText } from '../net/body.js';
import type { PublishedBody, NewOutboxItem, Store } from '../store/store.js';
import { COMPLIANCE_TARGET } from './deliveries.js';
import type { Delivery, DeliveryResult, Publisher } from './outbox.js';
import { complianceDue, complianceProfiles, formatProblem, setHash } from './plan.js';

/** One configured clearing house (publish.clearingHouses), its trust anchors read. */
export interface ClearingHouse {
  name: string;
  registryUrl?: string;
  tagusUrl?: string;
  loireUrl?: string;
  label: string;
  did?: string;
  /** Its notary (registration-number credentials) and the notary's DID (default: did:web of the URL). */
  notaryUrl?: string;
  notaryDid?: string;
  trustAnchors: X509Certificate[];
  timeoutMs: number;
  allowHttp: boolean;
  /** Sent as `production=`: a production clearing house takes only a notary's registration numbers. */
  production?: boolean;
  /** Development only: its DID documents and x5u chains may be on private networks. */
  allowPrivateNetworks?: boolean;
  /** Extra CA certificates (PEM file) its TLS is trusted with (resolver.caFile). */
  caFile?: string;
}

export interface ComplianceDeps {
  store: Store;
  clearingHouses: ClearingHouse[];
  /**
   * The id (and URL) of a compliance credential (its `vcid`), the same for the same key: a delivery
   * resent after a lost answer asks for the same credential again.
   */
  newId(key: string): string;
  /** A VP-JWT of these VC-JWTs, signed with the gateway's key (Loire). */
  presentJwt(jwts: string[]): Promise<string>;
  /** The x5u chain (PEM) of the key that signed a credential, when it has one (registry check). */
  chainOf(row: PublishedBody): string | undefined;
  /** Renew this long before a compliance credential expires. */
  renewBeforeMs: number;
  /** The credential event service's outbox target, when configured: each issuance is queued for it. */
  eventsTarget?: string;
  /**
   * Verify a JSON-LD credential (the credential service's verifier), resolving DIDs and x5u chains
   * with the clearing house's resolver and anchoring them in its trust anchors.
   */
  verify(
    input: string,
    peer: { dids: DidResolverService; trustAnchors: X509Certificate[] },
  ): Promise<VerificationReport>;
  now?: () => Date;
}

type Generation = 'tagus' | 'loire';
const GENERATION: Record<string, Generation> = { 'tagus-22.10': 'tagus', 'gaia-x-25.11': 'loire' };
const urlOf = (ch: ClearingHouse, g: Generation) => (g === 'tagus' ? ch.tagusUrl : ch.loireUrl);

/** A compliance credential as received and checked: the exact bytes to serve, and what they say. */
export interface CheckedCompliance {
  body: string;
  mediaType: string;
  validUntil: string;
  /** The ids the clearing house gave what it issued, where not our vcid (a Tagus VP-JWT's VC-JWTs). */
  issuedIds: string[];
}

type Outcome =
  | { kind: 'issued'; ch: ClearingHouse; answer: CheckedCompliance }
  | { kind: 'rejected'; ch: string; message: string }
  /** Answered, but with nothing the gateway can verify (and no clearing house was merely down): not retried. */
  | { kind: 'unverifiable'; message: string }
  | { kind: 'unavailable'; message: string };

/** The DID a clearing house issues with: configured, or did:web of its compliance host. */
export function clearingHouseDid(ch: ClearingHouse, generation: 'tagus' | 'loire'): string {
  return (
    ch.did ?? `did:web:${encodeURIComponent(new URL((urlOf(ch, generation) ?? ch.tagusUrl ?? ch.loireUrl)!).host)}`
  );
}

/** The digest a clearing house names for a credential: `sha256-` + hex SHA-256 of its RFC 8785 form. */
export function jcsDigest(doc: unknown): string {
  return `sha256-${createHash('sha256').update(canonicalize(doc)!).digest('hex')}`;
}

/**
 * Every type in a credential's graph besides its envelope's VerifiableCredential and its proof's,
 * with the top-level property it is under (credentialSubject, credentialStatus, …): what a Tagus
 * registry must list for the service to take the credential.
 */
export function graphTypes(doc: JsonObject): { type: string; where: string }[] {
  const out = new Map<string, { type: string; where: string }>();
  const add = (t: unknown, where: string) => {
    if (typeof t === 'string' && t !== 'VerifiableCredential') out.set(`${t}|${where}`, { type: t, where });
  };
  const walk = (node: unknown, where: string): void => {
    if (Array.isArray(node)) return node.forEach((n) => walk(n, where));
    if (!node || typeof node !== 'object') return;
    for (const [k, v] of Object.entries(node as JsonObject))
      if (k === 'type' || k === '@type') asArray(v).forEach((t) => add(t, where));
      else if (k !== '@context') walk(v, where);
  };
  for (const [k, v] of Object.entries(doc))
    if (k === 'type' || k === '@type') asArray(v).forEach((t) => add(t, 'type'));
    else if (k !== 'proof' && k !== '@context') walk(v, k);
  return [...out.values()];
}

/** A clearing house's DID resolver: DID documents and x5u chains cached 5 minutes, as verification caches them. */
export function resolverFor(ch: Pick<ClearingHouse, 'allowHttp' | 'allowPrivateNetworks' | 'timeoutMs' | 'caFile'>): {
  resolver: DidResolverService;
  close(): Promise<void>;
} {
  // One switch per concern: allowHttp reaches loopback over http (and so loopback), private
  // networks only with allowPrivateNetworks.
  const fetcher = createGuardedFetcher({
    allowPrivateNetworks: ch.allowPrivateNetworks ? true : ch.allowHttp ? LOOPBACK : false,
    allowHttp: ch.allowHttp,
    timeoutMs: Math.min(ch.timeoutMs, 15_000),
    maxBytes: 1 << 20,
    ...(ch.caFile ? { caFile: ch.caFile } : {}),
  });
  return {
    resolver: createDidResolver({ fetcher, allowHttp: ch.allowHttp, cacheTtlMs: 300_000 }),
    close: () => fetcher.close(),
  };
}

const LOOPBACK = allowedNetworks(['127.0.0.0/8', '::1']);
const JWT_FORM = /^[\w-]+\.[\w-]+\.[\w-]+$/;
const JWT_ALGS = ['ES256', 'ES384', 'PS256', 'RS256', 'EdDSA'];

/** Whether the subjects of a compliance answer name every credential sent with its exact digest. */
function coverage(subjects: (JsonObject | undefined)[], sent: { id: string; digest: string }[]): string | undefined {
  const named = new Map<string, string>();
  for (const s of subjects) {
    if (!s) continue;
    if (typeof s['gx:integrity'] === 'string') named.set(String(s.id), s['gx:integrity']);
    for (const c of (s['gx:compliantCredentials'] ?? []) as JsonObject[])
      named.set(String(c.id), String(c['gx:digestSRI']));
  }
  for (const c of sent) {
    const digest = named.get(c.id);
    if (!digest) return `it does not cover ${c.id}`;
    if (digest !== c.digest) return `its digest of ${c.id} is ${digest}, not ${c.digest} (what was sent)`;
  }
  return undefined;
}

/** What a verification report says is wrong, if anything (an unanchored chain when anchors are configured). */
export function reportProblem(report: VerificationReport, anchored: boolean): string | undefined {
  if (!report.valid)
    return report.checks
      .filter((c) => !c.ok)
      .map((c) => c.message ?? c.check)
      .join('; ');
  if (report.trustAnchor === 'no-chain') return 'its key has no x5u certificate chain';
  if (anchored && report.trustAnchor !== 'anchored')
    return "its x5u chain does not end in the clearing house's trust anchors";
  return undefined;
}

/** A peer that answers as if the configuration named the wrong URL: reported as such, not retried. */
class Misconfigured extends Error {}

/**
 * What the registry's answer means: a client error (404: no such path there) is a misconfigured
 * registryUrl, said as such; anything else (5xx) a registry that is down for now.
 */
function registryError(ch: ClearingHouse, r: Response, what: string, path: string): Error {
  if (r.status >= 400 && r.status < 500 && r.status !== 408 && r.status !== 429)
    return new Misconfigured(
      `its registry answered ${r.status} for ${path} (its ${what}): check publish.clearingHouses[${ch.name}].registryUrl (${ch.registryUrl}), the registry's API base, e.g. https://registry.lab.gaia-x.eu/v1`,
    );
  return new Error(`the registry answered ${r.status} for its ${what}`);
}

/**
 * A clearing house's refusal, for the operator: a production clearing house refuses a self-issued
 * registration number, and only a notary's credential helps.
 */
function refusalText(text: string, ch: ClearingHouse): string {
  return /LegalRegistrationNumber VerifiableCredential is not trusted|legalRegistrationNumber issued by a notary/i.test(
    text,
  )
    ? `${text}\n${ch.name}${ch.production ? ' runs in production and' : ''} takes only a notary's registration-number credential, not a self-issued one: configure its notary (publish.clearingHouses[].notaryUrl) so the run publishes the notary's credential`
    : text;
}

const credentialOf = (row: PublishedBody): JsonObject =>
  (row.body.startsWith('{') ? JSON.parse(row.body) : decodeJwt(row.body.trim())) as JsonObject;

export async function problemText(r: Response): Promise<string> {
  let text: string;
  try {
    text = await responseText(r, 1 << 20);
  } catch (err) {
    return `${r.status}: ${(err as Error).message}`;
  }
  try {
    // NestJS bodies (the Gaia-X services): {message, error, statusCode}, where message is a text, a
    // list of texts (a bad request), or the rules' verdict {conforms: false, results: [...]}.
    const e = JSON.parse(text) as { message?: unknown; results?: unknown; error?: unknown };
    const verdict =
      e.message && typeof e.message === 'object' && !Array.isArray(e.message)
        ? (e.message as { results?: unknown })
        : undefined;
    const message =
      typeof e.message === 'string'
        ? e.message
        : Array.isArray(e.message)
          ? e.message.map(String).join('; ').slice(0, 500)
          : verdict
            ? `${typeof e.error === 'string' ? e.error : 'refused'}: the rules do not hold`
            : JSON.stringify(e.message ?? text).slice(0, 500);
    const list = Array.isArray(verdict?.results) ? verdict.results : Array.isArray(e.results) ? e.results : [];
    const results = list.slice(0, 20).map((x) => `  - ${typeof x === 'string' ? x : JSON.stringify(x)}`);
    return [`${r.status}: ${message}`, ...results].join('\n');
  } catch {
    return `${r.status}: ${text.slice(0, 500)}`;
  }
}

/**
 * The Gaia-X clearing houses as one outbox target: for each profile of the cloud whose published
 * clearing-house credentials changed (or whose compliance credential is due for renewal), submit them
 * to the first clearing house that answers (Tagus: the JSON-LD presentation; Loire: a VP-JWT),
 * verify the compliance credential it returns (issuer, signature, x5u chain, the digest of each
 * credential sent) and store it. A refusal (4xx) is recorded with the clearing house's message and the
 * same set is not submitted again; timeouts, 5xx and connection errors go to the next clearing house.
 */
export class CompliancePublisher implements Publisher {
  readonly target = COMPLIANCE_TARGET;
  private readonly resolvers = new Map<string, ReturnType<typeof resolverFor>>();
  private readonly registryCache = new Map<string, { until: number; value: unknown }>();

  constructor(private readonly deps: ComplianceDeps) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** The profiles some configured clearing house takes. */
  profiles(): string[] {
    return complianceProfiles(this.deps.clearingHouses);
  }

  async deliver(d: Delivery, signal: AbortSignal): Promise<DeliveryResult> {
    const { cloud } = d.payload as { cloud: string };
    const errors: string[] = [];
    let retry = false;
    for (const profile of this.profiles()) {
      const { due, rows } = await complianceDue(this.deps, cloud, profile);
      if (!due) continue;
      const set = setHash(rows.map((r) => r.id));
      // The same delivery of the same set asks for the same credential (a resend after a lost answer).
      const vcid = this.deps.newId(`${d.id}|${profile}|${set}`);
      const outcome = await this.submit(vcid, profile, rows, signal);
      const base = { cloud_id: cloud, profile, set_hash: set, covered: JSON.stringify(rows.map((r) => r.id)) };
      if (outcome.kind === 'issued') {
        const id = vcid;
        const events: NewOutboxItem[] = this.deps.eventsTarget
          ? [
              {
                id: `${this.deps.eventsTarget}:event:${id}`,
                target: this.deps.eventsTarget,
                action: 'event',
                subject: id,
                payload: '{}',
              },
            ]
          : [];
        await this.deps.store.compliance.record(
          {
            ...base,
            id,
            state: 'issued',
            clearing_house: outcome.ch.name,
            body: outcome.answer.body,
            media_type: outcome.answer.mediaType,
            message: null,
            valid_until: outcome.answer.validUntil,
            issued_ids: JSON.stringify(outcome.answer.issuedIds),
          },
          events,
        );
      } else if (outcome.kind === 'rejected') {
        await this.deps.store.compliance.record({
          ...base,
          id: vcid,
          state: 'rejected',
          clearing_house: outcome.ch,
          body: '',
          media_type: '',
          message: outcome.message,
          valid_until: null,
          issued_ids: '[]',
        });
        errors.push(`${profile}: ${outcome.ch} refused: ${outcome.message}`);
      } else if (outcome.kind === 'unverifiable') {
        // Sent again it would come back the same: a dead letter that says why, for the operator.
        errors.push(`${profile}: ${outcome.message}`);
      } else {
        retry = true;
        errors.push(`${profile}: ${outcome.message}`);
      }
    }
    return errors.length ? { ok: false, retry, error: errors.join('\n') } : { ok: true };
  }

  /** Submit one set to the clearing houses in order. */
  async submit(vcid: string, profile: string, rows: PublishedBody[], signal: AbortSignal): Promise<Outcome> {
    const generation = GENERATION[profile]!;
    const format = formatProblem(profile, rows);
    if (format) return { kind: 'rejected', ch: '-', message: format };
    const sent = rows.map((r) => ({ id: r.id, digest: jcsDigest(credentialOf(r)) }));
    const failures: string[] = [];
    const unverifiable: string[] = [];
    for (const ch of this.deps.clearingHouses) {
      const base = urlOf(ch, generation)?.replace(/\/+$/, '');
      if (!base) continue;
      const timeout = AbortSignal.any([signal, AbortSignal.timeout(ch.timeoutMs)]);
      try {
        const refused = await this.registryRefusal(ch, rows, generation, timeout);
        if (refused) return { kind: 'rejected', ch: ch.name, message: refused };
        const query = `vcid=${encodeURIComponent(vcid)}${ch.production === undefined ? '' : `&production=${ch.production}`}`;
        const r =
          generation === 'tagus'
            ? // JSON-LD asked for: what the Tagus service answers best (a JWT of several credentials is a
              // presentation of new ids); every form it produces is still taken (checkTagus).
              await peerFetch(`${base}/api/credential-offers?${query}`, {
                method: 'POST',
                headers: { 'content-type': 'application/json', accept: 'application/json' },
                body: JSON.stringify({
                  '@context': ['https://www.w3.org/2018/credentials/v1'],
                  type: ['VerifiablePresentation'],
                  verifiableCredential: rows.map((r) => JSON.parse(r.body) as JsonObject),
                }),
                signal: timeout,
              })
            : await peerFetch(`${base}/api/credential-offers/${ch.label}?${query}`, {
                method: 'POST',
                headers: { 'content-type': 'application/vp+jwt', accept: 'application/vc+jwt' },
                body: await this.deps.presentJwt(rows.map((r) => r.body.trim())),
                signal: timeout,
              });
        if (r.status >= 400 && r.status < 500 && r.status !== 408 && r.status !== 429)
          return { kind: 'rejected', ch: ch.name, message: refusalText(await problemText(r), ch) };
        if (r.status !== 200 && r.status !== 201) {
          failures.push(`${ch.name}: ${await problemText(r)}`);
          continue;
        }
        const type = r.headers.get('content-type') ?? '';
        const text = await responseText(r, 1 << 20);
        const checked =
          generation === 'tagus'
            ? await this.checkTagus(ch, type, text, vcid, sent)
            : await this.checkLoire(ch, text.trim(), vcid, sent);
        if (typeof checked === 'string') {
          unverifiable.push(`${ch.name}: its compliance credential does not verify: ${checked}`);
          continue;
        }
        return { kind: 'issued', ch, answer: checked };
      } catch (err) {
        if (signal.aborted) throw err;
        if (err instanceof Misconfigured) {
          unverifiable.push(`${ch.name}: ${err.message}`);
          continue;
        }
        failures.push(
          `${ch.name}: ${(err as Error).name === 'TimeoutError' ? `no answer within ${ch.timeoutMs} ms` : (err as Error).message}`,
        );
      }
    }
    if (!failures.length && unverifiable.length) return { kind: 'unverifiable', message: unverifiable.join('; ') };
    return {
      kind: 'unavailable',
      message:
        failures.length || unverifiable.length
          ? `no clearing house answered: ${[...failures, ...unverifiable].join('; ')}`
          : `no clearing house configured for ${profile}`,
    };
  }

  /** Before submitting: every subject type must be implemented, and our chains anchored (registry). */
  private async registryRefusal(
    ch: ClearingHouse,
    rows: PublishedBody[],
    generation: Generation,
    signal: AbortSignal,
  ): Promise<string | undefined> {
    if (!ch.registryUrl) return undefined;
    const base = ch.registryUrl.replace(/\/+$/, '');
    if (generation === 'tagus') {
      // The participant accepts the terms the registry serves: the text in our credential must be that text.
      const terms = (await this.cached(`${base}:terms`, async () => {
        const r = await peerFetch(`${base}/api/termsAndConditions`, {
          headers: { accept: 'application/json' },
          signal,
        });
        if (!r.ok) throw registryError(ch, r, 'terms and conditions', '/api/termsAndConditions');
        return JSON.parse(await responseText(r, 1 << 20)) as { version?: string; text?: string; hash?: string };
      })) as { version?: string; text?: string; hash?: string };
      for (const row of rows) {
        const subjects = asArray(credentialOf(row).credentialSubject) as JsonObject[];
        const accepted = subjects.find((x) => asArray(x?.type).includes('gx:GaiaXTermsAndConditions'));
        if (accepted && accepted['gx:termsAndConditions'] !== terms.text)
          return `the registry of ${ch.name} serves other terms and conditions (version ${terms.version}, sha256 ${terms.hash}) than ${row.id} accepts: update the gateway (its bundled 22.10 shapes) before submitting`;
      }
    }
    const implemented = new Set<string>(
      (await this.cached(`${base}:shapes`, async () => {
        const r = await peerFetch(`${base}/shapes/implemented`, { headers: { accept: 'application/json' }, signal });
        if (!r.ok) throw registryError(ch, r, 'implemented shapes', '/shapes/implemented');
        return JSON.parse(await responseText(r, 1 << 20)) as string[];
      })) as string[],
    );
    // Tagus: every type of the graph (a credentialStatus entry's too, as the service refuses any
    // type its registry does not list); Loire: the subjects' types.
    const missing = new Map<string, Set<string>>();
    for (const r of rows) {
      const found =
        generation === 'tagus'
          ? graphTypes(credentialOf(r))
          : (JSON.parse(r.types) as string[]).map((t) => ({ type: t, where: 'credentialSubject' }));
      for (const { type, where } of found)
        if (!implemented.has(type.replace(/^gx:/, '')))
          missing.set(type, (missing.get(type) ?? new Set()).add(`${where} of ${r.id}`));
    }
    if (missing.size)
      return `the registry of ${ch.name} does not implement the type(s) ${[...missing]
        .map(([type, where]) => `${type} (${[...where].slice(0, 3).join(', ')}${where.size > 3 ? ', …' : ''})`)
        .join('; ')}: they cannot be submitted`;
    const chains = [...new Set(rows.map((r) => this.deps.chainOf(r)).filter((c): c is string => Boolean(c)))];
    for (const pem of chains) {
      const key = `${base}:chain:${createHash('sha256').update(pem).digest('hex')}`;
      const verdict = (await this.cached(key, async () => {
        const r = await peerFetch(`${base}/api/trustAnchor/chain`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({ certs: pem }),
          signal,
        });
        if (r.status >= 500) throw new Error(`the registry answered ${r.status} for the trust anchor check`);
        return r.ok ? 'ok' : await problemText(r);
      })) as string;
      if (verdict !== 'ok')
        return `the registry of ${ch.name} does not trust our certificate chain (x5u): ${verdict}; a chain from a Gaia-X trust anchor is needed`;
    }
    return undefined;
  }

  private async cached<T>(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.registryCache.get(key);
    if (hit && hit.until > Date.now()) return hit.value as T;
    const value = await load();
    this.registryCache.set(key, { until: Date.now() + 3600_000, value });
    return value;
  }

  /** Each clearing house's DID resolver (DID documents and x5u chains cached, as verification caches them). */
  private resolver(ch: ClearingHouse): DidResolverService {
    let r = this.resolvers.get(ch.name);
    if (!r) this.resolvers.set(ch.name, (r = resolverFor(ch)));
    return r.resolver;
  }

  /**
   * A Tagus answer in any form the service produces, checked before it is stored: the JSON-LD
   * credential (no Accept, or application/json), a VC-JWT (`vc` claim; one credential sent with
   * Accept application/vc+jwt), or a VP-JWT (application/vp+ld+jwt; several credentials), whose
   * VC-JWTs carry new random ids. What is stored and served at our vcid is the answer's exact bytes.
   */
  async checkTagus(
    ch: ClearingHouse,
    contentType: string,
    text: string,
    vcid: string,
    sent: { id: string; digest: string }[],
  ): Promise<CheckedCompliance | string> {
    const type = contentType.split(';')[0]!.trim().toLowerCase();
    const jwt = text.trim();
    if (!JWT_FORM.test(jwt)) {
      if (!/json/.test(type) && !jwt.startsWith('{'))
        return `an answer of type ${type || '(none)'} that is neither JSON-LD nor a JWT`;
      return this.checkTagusLd(ch, text, vcid, sent);
    }
    const expected = clearingHouseDid(ch, 'tagus');
    const outer = await this.verifyJwt(ch, jwt, expected);
    if (typeof outer === 'string') return outer;
    const credentials: { vc: JsonObject; exp: number }[] = [];
    if (outer.payload.vp) {
      for (const inner of asArray((outer.payload.vp as JsonObject).verifiableCredential)) {
        if (typeof inner !== 'string') return 'its presentation holds a credential that is not a JWT';
        const checked = await this.verifyJwt(ch, inner, expected);
        if (typeof checked === 'string') return `a credential of its presentation: ${checked}`;
        const vc = checked.payload.vc as JsonObject | undefined;
        if (!vc) return 'a credential of its presentation has no vc claim';
        credentials.push({ vc, exp: Number(checked.payload.exp) });
      }
      if (!credentials.length) return 'its presentation holds no credential';
    } else if (outer.payload.vc) {
      const vc = outer.payload.vc as JsonObject;
      if (vc.id !== vcid) return `its id is ${String(vc.id)}, not the vcid ${vcid}`;
      credentials.push({ vc, exp: Number(outer.payload.exp) });
    } else return 'a JWT with neither a vc nor a vp claim';
    for (const { vc } of credentials)
      if (issuerId(vc) !== expected) return `issued by ${String(issuerId(vc))}, not by ${expected}`;
    const problem = coverage(
      credentials.flatMap(({ vc }) => asArray(vc.credentialSubject) as (JsonObject | undefined)[]),
      sent,
    );
    if (problem) return problem;
    const until = Math.min(
      ...credentials.map(({ vc, exp }) => Date.parse(String(vc.expirationDate ?? '')) || exp * 1000),
    );
    if (!(until > this.now().getTime())) return `it is not valid now (valid until ${new Date(until).toISOString()})`;
    return {
      body: jwt,
      mediaType: outer.payload.vp ? 'application/vp+ld+jwt' : 'application/vc+jwt',
      validUntil: new Date(until).toISOString(),
      issuedIds: outer.payload.vp ? credentials.map(({ vc }) => String(vc.id)) : [],
    };
  }

  /** The JSON-LD form: issuer and id, its JsonWebSignature2020 proof (and key chain), validity, coverage. */
  private async checkTagusLd(
    ch: ClearingHouse,
    text: string,
    vcid: string,
    sent: { id: string; digest: string }[],
  ): Promise<CheckedCompliance | string> {
    let vc: JsonObject;
    try {
      vc = JSON.parse(text) as JsonObject;
    } catch (e) {
      return `not JSON: ${(e as Error).message}`;
    }
    const expected = clearingHouseDid(ch, 'tagus');
    if (issuerId(vc) !== expected) return `issued by ${String(issuerId(vc))}, not by ${expected}`;
    if (vc.id !== vcid) return `its id is ${String(vc.id)}, not the vcid ${vcid}`;
    const method = (vc.proof as JsonObject | undefined)?.verificationMethod;
    if (typeof method !== 'string' || !method.startsWith(`${expected}#`))
      return `its key ${String(method)} is not one of ${expected}`;
    const report = await this.deps.verify(text, { dids: this.resolver(ch), trustAnchors: ch.trustAnchors });
    const bad = reportProblem(report, ch.trustAnchors.length > 0);
    if (bad) return bad;
    const until = Date.parse(String(vc.expirationDate ?? ''));
    if (!(until > this.now().getTime())) return `it is not valid now (valid until ${String(vc.expirationDate)})`;
    const problem = coverage(asArray(vc.credentialSubject) as (JsonObject | undefined)[], sent);
    if (problem) return problem;
    return {
      body: text,
      mediaType: 'application/vc+ld+json',
      validUntil: new Date(until).toISOString(),
      issuedIds: [],
    };
  }

  /**
   * A clearing house's JWT: signed by a key of its DID document (the one `kid` names; without a kid,
   * as the Tagus service signs — RS256, no kid — each assertion key that fits the algorithm is
   * tried), that key's x5u chain valid (anchored when anchors are configured), `iss` its DID.
   */
  private async verifyJwt(
    ch: ClearingHouse,
    jwt: string,
    expected: string,
  ): Promise<{ payload: Record<string, unknown> } | string> {
    let header: { alg?: string; kid?: string };
    let payload: Record<string, unknown>;
    try {
      header = decodeProtectedHeader(jwt) as typeof header;
      payload = decodeJwt(jwt) as Record<string, unknown>;
    } catch (e) {
      return `not a JWT: ${(e as Error).message}`;
    }
    const alg = header.alg ?? '';
    if (!JWT_ALGS.includes(alg)) return `alg ${alg} is not accepted`;
    if (payload.iss !== undefined && payload.iss !== expected)
      return `issued by ${String(payload.iss)}, not by ${expected}`;
    if (header.kid !== undefined && !header.kid.startsWith(`${expected}#`))
      return `its key ${header.kid} is not one of ${expected}`;
    const resolver = this.resolver(ch);
    const doc = await resolver.resolve(expected);
    const candidates = header.kid
      ? [findVerificationMethod(doc, header.kid)]
      : asArray(doc.assertionMethod).map((m) =>
          typeof m === 'string' ? findVerificationMethod(doc, m) : (m as ReturnType<typeof findVerificationMethod>),
        );
    const family = alg.startsWith('ES') ? 'EC' : alg === 'EdDSA' ? 'OKP' : 'RSA';
    for (const vm of candidates) {
      const jwk = vm?.publicKeyJwk as (JWK & { x5u?: string }) | undefined;
      if (!jwk || jwk.kty !== family) continue;
      const { x5u, ...bare } = jwk;
      try {
        await compactVerify(jwt, await importJWK({ ...bare, alg }, alg));
      } catch {
        continue;
      }
      if (!x5u) return `${String(vm?.id)} has no x5u certificate chain`;
      const chain = checkX5uChain(
        jwk as Parameters<typeof checkX5uChain>[0],
        await resolver.fetchText(x5u, 'application/x-pem-file, */*'),
        { now: this.now(), ...(ch.trustAnchors.length ? { trustAnchors: ch.trustAnchors } : {}) },
      );
      const badChain = chain.filter((c) => !c.ok);
      if (badChain.length) return `its x5u chain: ${badChain.map((c) => c.message).join('; ')}`;
      return { payload };
    }
    return header.kid
      ? `the signature does not verify with ${header.kid}`
      : `${alg} JWT without kid: no key of ${expected} verifies it`;
  }

  /**
   * A Loire compliance credential (a VC-JWT) before it is stored: issued by the clearing house's
   * DID for our vcid, signed with the key its kid names, that key's x5u chain valid (and anchored
   * when anchors are configured), not expired, and naming every credential sent with its exact digest.
   */
  async checkLoire(
    ch: ClearingHouse,
    jwt: string,
    vcid: string,
    sent: { id: string; digest: string }[],
  ): Promise<CheckedCompliance | string> {
    const expected = clearingHouseDid(ch, 'loire');
    let kid: string | undefined;
    try {
      kid = (decodeProtectedHeader(jwt) as { kid?: string }).kid;
    } catch (e) {
      return `not a JWT: ${(e as Error).message}`;
    }
    if (!kid?.startsWith(`${expected}#`)) return `its key ${String(kid)} is not one of ${expected}`;
    const checked = await this.verifyJwt(ch, jwt, expected);
    if (typeof checked === 'string') return checked;
    const { payload } = checked;
    const issuer = issuerId(payload as JsonObject);
    if (issuer !== expected) return `issued by ${String(issuer)}, not by ${expected}`;
    if (payload.id !== vcid) return `its id is ${String(payload.id)}, not the vcid ${vcid}`;
    const until = (payload.validUntil ?? payload.expirationDate) as string | undefined;
    if (!until || !(Date.parse(until) > this.now().getTime()))
      return `it is not valid now (valid until ${String(until)})`;
    const problem = coverage(asArray(payload.credentialSubject) as (JsonObject | undefined)[], sent);
    if (problem) return problem;
    return {
      body: jwt,
      mediaType: 'application/vc+jwt',
      validUntil: new Date(Date.parse(until)).toISOString(),
      issuedIds: [],
    };
  }

  async close(): Promise<void> {
    await Promise.all([...this.resolvers.values()].map((r) => r.close()));
  }
}
