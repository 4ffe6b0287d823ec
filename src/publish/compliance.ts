import { createHash, type X509Certificate } from 'node:crypto';
import { peerFetch } from '../net/peer-fetch.js';
import canonicalize from 'canonicalize';
import { compactVerify, decodeJwt, decodeProtectedHeader, importJWK, type JWK } from 'jose';
import type { JsonObject } from '../core/ids.js';
import { asArray } from '../core/group.js';
import { createDidResolver, findVerificationMethod, type DidResolverService } from '../credentials/resolver.js';
import { checkX5uChain } from '../credentials/x509.js';
import { issuerId } from '../credentials/verification-method.js';
import { createGuardedFetcher } from '../net/guarded-fetch.js';
import { responseText } from '../net/body.js';
import type { PublishedBody, NewOutboxItem, Store } from '../store/store.js';
import { COMPLIANCE_TARGET } from '../store/deliveries.js';
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
  now?: () => Date;
}

type Generation = 'tagus' | 'loire';
const GENERATION: Record<string, Generation> = { 'tagus-22.10': 'tagus', 'gaia-x-25.11': 'loire' };
const urlOf = (ch: ClearingHouse, g: Generation) => (g === 'tagus' ? ch.tagusUrl : ch.loireUrl);

type Outcome =
  | { kind: 'issued'; ch: ClearingHouse; jwt: string; validUntil: string }
  | { kind: 'rejected'; ch: string; message: string }
  | { kind: 'unavailable'; message: string };

/** The digest a clearing house names for a credential: `sha256-` + hex SHA-256 of its RFC 8785 form. */
export function jcsDigest(doc: unknown): string {
  return `sha256-${createHash('sha256').update(canonicalize(doc)!).digest('hex')}`;
}

/** A clearing house's DID resolver: DID documents and x5u chains cached 5 minutes, as verification caches them. */
export function resolverFor(ch: Pick<ClearingHouse, 'allowHttp' | 'timeoutMs'>): {
  resolver: DidResolverService;
  close(): Promise<void>;
} {
  const fetcher = createGuardedFetcher({
    allowPrivateNetworks: ch.allowHttp,
    allowHttp: ch.allowHttp,
    timeoutMs: Math.min(ch.timeoutMs, 15_000),
    maxBytes: 1 << 20,
  });
  return {
    resolver: createDidResolver({ fetcher, allowHttp: ch.allowHttp, cacheTtlMs: 300_000 }),
    close: () => fetcher.close(),
  };
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
    const e = JSON.parse(text) as { message?: unknown; results?: unknown };
    const message = typeof e.message === 'string' ? e.message : JSON.stringify(e.message ?? text).slice(0, 500);
    const results = Array.isArray(e.results) ? e.results.slice(0, 20).map((x) => `  - ${String(x)}`) : [];
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
        const id = String(decodeJwt(outcome.jwt).id);
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
        await this.deps.store.recordCompliance(
          {
            ...base,
            id,
            state: 'issued',
            clearing_house: outcome.ch.name,
            body: outcome.jwt,
            media_type: 'application/vc+jwt',
            message: null,
            valid_until: outcome.validUntil,
          },
          events,
        );
      } else if (outcome.kind === 'rejected') {
        await this.deps.store.recordCompliance({
          ...base,
          id: vcid,
          state: 'rejected',
          clearing_house: outcome.ch,
          body: '',
          media_type: '',
          message: outcome.message,
          valid_until: null,
        });
        errors.push(`${profile}: ${outcome.ch} refused: ${outcome.message}`);
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
    for (const ch of this.deps.clearingHouses) {
      const base = urlOf(ch, generation)?.replace(/\/+$/, '');
      if (!base) continue;
      const timeout = AbortSignal.any([signal, AbortSignal.timeout(ch.timeoutMs)]);
      try {
        const refused = await this.registryRefusal(ch, rows, generation, timeout);
        if (refused) return { kind: 'rejected', ch: ch.name, message: refused };
        const r =
          generation === 'tagus'
            ? await peerFetch(`${base}/api/credential-offers?vcid=${encodeURIComponent(vcid)}`, {
                method: 'POST',
                headers: { 'content-type': 'application/json', accept: 'application/vc+jwt' },
                body: JSON.stringify({
                  '@context': ['https://www.w3.org/2018/credentials/v1'],
                  type: ['VerifiablePresentation'],
                  verifiableCredential: rows.map((r) => JSON.parse(r.body) as JsonObject),
                }),
                signal: timeout,
              })
            : await peerFetch(`${base}/api/credential-offers/${ch.label}?vcid=${encodeURIComponent(vcid)}`, {
                method: 'POST',
                headers: { 'content-type': 'application/vp+jwt', accept: 'application/vc+jwt' },
                body: await this.deps.presentJwt(rows.map((r) => r.body.trim())),
                signal: timeout,
              });
        if (r.status >= 400 && r.status < 500 && r.status !== 408 && r.status !== 429)
          return { kind: 'rejected', ch: ch.name, message: await problemText(r) };
        if (r.status !== 200 && r.status !== 201) {
          failures.push(`${ch.name}: ${await problemText(r)}`);
          continue;
        }
        const jwt = (await responseText(r, 1 << 20)).trim();
        const checked = await this.verifyCompliance(ch, jwt, vcid, sent);
        if (typeof checked === 'string') {
          failures.push(`${ch.name}: its compliance credential does not verify: ${checked}`);
          continue;
        }
        return { kind: 'issued', ch, jwt, validUntil: checked.validUntil };
      } catch (err) {
        if (signal.aborted) throw err;
        failures.push(
          `${ch.name}: ${(err as Error).name === 'TimeoutError' ? `no answer within ${ch.timeoutMs} ms` : (err as Error).message}`,
        );
      }
    }
    return {
      kind: 'unavailable',
      message: failures.length
        ? `no clearing house answered: ${failures.join('; ')}`
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
        if (!r.ok) throw new Error(`the registry answered ${r.status} for its terms and conditions`);
        return JSON.parse(await responseText(r, 1 << 20)) as { version?: string; text?: string; hash?: string };
      })) as { version?: string; text?: string; hash?: string };
      for (const row of rows) {
        const subjects = asArray(credentialOf(row).credentialSubject) as JsonObject[];
        const accepted = subjects.find((x) => asArray(x?.type).includes('gx:GaiaXTermsAndConditions'));
        if (accepted && accepted['gx:termsAndConditions'] !== terms.text)
          return `the registry of ${ch.name} serves other terms and conditions (version ${terms.version}, sha256 ${terms.hash}) than ${row.id} accepts: update the gateway (its bundled 22.10 shapes) before submitting`;
      }
    }
    const implemented = new Set(
      (await this.cached(`${base}:shapes`, async () => {
        const r = await peerFetch(`${base}/shapes/implemented`, { headers: { accept: 'application/json' }, signal });
        if (!r.ok) throw new Error(`the registry answered ${r.status} for its implemented shapes`);
        return JSON.parse(await responseText(r, 1 << 20)) as string[];
      })) as string[],
    );
    const missing = [
      ...new Set(
        rows.flatMap((r) => (JSON.parse(r.types) as string[]).filter((t) => !implemented.has(t.replace(/^gx:/, '')))),
      ),
    ];
    if (missing.length)
      return `the registry of ${ch.name} does not implement the type(s) ${missing.join(', ')}: they cannot be submitted`;
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
   * Verify a compliance credential before it is stored: issued by the clearing house's DID for our
   * vcid, signed with the key its DID document names, that key's x5u chain valid (and anchored when
   * anchors are configured), not expired, and naming every credential sent with its exact digest.
   */
  async verifyCompliance(
    ch: ClearingHouse,
    jwt: string,
    vcid: string,
    sent: { id: string; digest: string }[],
  ): Promise<{ validUntil: string } | string> {
    let header: { alg?: string; kid?: string };
    let payload: Record<string, unknown>;
    try {
      header = decodeProtectedHeader(jwt) as typeof header;
      payload = decodeJwt(jwt) as Record<string, unknown>;
    } catch (e) {
      return `not a JWT: ${(e as Error).message}`;
    }
    const expected = ch.did ?? `did:web:${encodeURIComponent(new URL((ch.tagusUrl ?? ch.loireUrl)!).host)}`;
    const issuer = issuerId(payload as JsonObject);
    if (issuer !== expected) return `issued by ${String(issuer)}, not by ${expected}`;
    if (payload.id !== vcid) return `its id is ${String(payload.id)}, not the vcid ${vcid}`;
    if (!header.kid?.startsWith(`${expected}#`)) return `its key ${String(header.kid)} is not one of ${expected}`;
    if (!['ES256', 'ES384', 'PS256', 'RS256', 'EdDSA'].includes(header.alg ?? ''))
      return `alg ${header.alg} is not accepted`;
    const resolver = this.resolver(ch);
    const doc = await resolver.resolve(expected);
    const vm = findVerificationMethod(doc, header.kid);
    const jwk = vm?.publicKeyJwk as (JWK & { x5u?: string }) | undefined;
    if (!jwk) return `${header.kid} is not in the DID document of ${expected}`;
    if (!jwk.x5u) return `${header.kid} has no x5u certificate chain`;
    const chain = checkX5uChain(
      jwk as Parameters<typeof checkX5uChain>[0],
      await resolver.fetchText(jwk.x5u, 'application/x-pem-file, */*'),
      {
        now: this.now(),
        ...(ch.trustAnchors.length ? { trustAnchors: ch.trustAnchors } : {}),
      },
    );
    const badChain = chain.filter((c) => !c.ok);
    if (badChain.length) return `its x5u chain: ${badChain.map((c) => c.message).join('; ')}`;
    const { x5u: _x5u, ...bare } = jwk;
    try {
      await compactVerify(jwt, await importJWK(bare, header.alg));
    } catch (e) {
      return `the signature does not verify: ${(e as Error).message}`;
    }
    const until = (payload.validUntil ?? payload.expirationDate) as string | undefined;
    if (!until || !(Date.parse(until) > this.now().getTime()))
      return `it is not valid now (valid until ${String(until)})`;
    const subjects = asArray(payload.credentialSubject) as (Record<string, unknown> | undefined)[];
    const named = new Map<string, string>();
    for (const s of subjects) {
      if (!s) continue;
      if (typeof s['gx:integrity'] === 'string') named.set(String(s.id), s['gx:integrity']);
      for (const c of (s['gx:compliantCredentials'] ?? []) as Record<string, unknown>[])
        named.set(String(c.id), String(c['gx:digestSRI']));
    }
    for (const c of sent) {
      const digest = named.get(c.id);
      if (!digest) return `it does not cover ${c.id}`;
      if (digest !== c.digest) return `its digest of ${c.id} is ${digest}, not ${c.digest} (what was sent)`;
    }
    return { validUntil: new Date(Date.parse(until)).toISOString() };
  }

  async close(): Promise<void> {
    await Promise.all([...this.resolvers.values()].map((r) => r.close()));
  }
}
