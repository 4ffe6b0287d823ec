import type { JsonObject, ProfileId } from '../core/ids.js';
import { peerFetch } from '../net/peer-fetch.js';
import { asArray } from '../core/group.js';
import type { X509Certificate } from 'node:crypto';
import type { DidResolverService } from '../credentials/resolver.js';
import { credentialOfBody, mediaTypeOf, signedWith } from '../credentials/secured.js';
import type { Secured } from '../credentials/suites/suite.js';
import { issuerId } from '../credentials/verification-method.js';
import type { VerificationReport } from '../credentials/verify.js';
import type { DescribedCredential } from '../describe/model.js';
import type { IssuedCredential, NotaryRun, RegistrationNotary } from '../describe/notary.js';
import { responseText } from '../net/body.js';
import { problemText, reportProblem, resolverFor, type ClearingHouse } from './compliance.js';

/**
 * A registration number as the notary names it: the v2 path segment, and the subject property that
 * holds the value in the 25.11 (`VatID`…) and the Tagus (`gx:legalRegistrationNumber`) credentials.
 */
const NUMBERS = [
  { v2: 'vat-id', type: 'VatID', key: 'vatID', tagus: 'gx:vatID' },
  { v2: 'lei-code', type: 'LeiCode', key: 'leiCode', tagus: 'gx:leiCode' },
  { v2: 'eori', type: 'EORI', key: 'eori', tagus: 'gx:EORI' },
  { v2: 'euid', type: 'EUID', key: 'euid', tagus: 'gx:EUID' },
  { v2: 'tax-id', type: 'TaxID', key: 'https://schema.org/taxID', tagus: 'gx:taxID' },
] as const;

const subjectOf = (c: JsonObject): JsonObject => (asArray(c.credentialSubject)[0] ?? {}) as JsonObject;
const bare = (t: unknown) => String(t).replace(/^gx:/, '');

/** The numbers a described registration-number credential asks the notary for: [subject key, value]. */
function numbersIn(profile: ProfileId, described: DescribedCredential): [string, string][] {
  const s = subjectOf(described.credential);
  if (profile === 'tagus-22.10')
    return NUMBERS.filter((n) => typeof s[n.tagus] === 'string').map((n) => [n.tagus, String(s[n.tagus])]);
  const types = asArray(s.type).map(bare);
  return NUMBERS.filter((n) => types.includes(n.type) && typeof s[n.key] === 'string').map((n) => [
    n.key,
    String(s[n.key]),
  ]);
}

export interface NotaryDeps {
  /** The clearing houses with a `notaryUrl`, asked in order. */
  clearingHouses: ClearingHouse[];
  /**
   * Verify a secured credential (the credential service's verifier), resolving DIDs and x5u chains
   * with the clearing house's resolver and anchoring them in its trust anchors.
   */
  verify(
    input: string,
    peer: { dids: DidResolverService; trustAnchors: X509Certificate[] },
  ): Promise<VerificationReport>;
  renewBeforeMs: number;
}

/**
 * The Gaia-X notary of each configured clearing house (registration-number credentials): Tagus
 * `POST {notary}/v1/registrationNumberVC?vcid=` with the `gx:legalRegistrationNumber` subject (a
 * JSON-LD credential comes back), Loire `GET {notary}/v2/registration-numbers/{vat-id|lei-code|eori|
 * euid|tax-id}/{value}?vcId=&subjectId=` (a VC-JWT). What comes back is verified before it is used:
 * issued by the notary's DID with a key whose x5u chain ends in the clearing house's trust anchors,
 * signature and validity, our id, our subject and exactly the number asked for. Timeouts, 5xx,
 * connection errors and answers that do not verify go to the next clearing house; a 4xx (an unknown
 * VAT ID, say) is the answer, and the same number is not asked again until it changes.
 */
export class NotaryClient implements RegistrationNotary {
  readonly renewBeforeMs: number;
  private readonly resolvers = new Map<string, ReturnType<typeof resolverFor>>();
  /** Refusals by profile and content: not asked again until the number changes (or the gateway restarts). */
  private readonly refused = new Map<string, string>();

  constructor(private readonly deps: NotaryDeps) {
    this.renewBeforeMs = deps.renewBeforeMs;
  }

  private get notaries(): ClearingHouse[] {
    return this.deps.clearingHouses.filter((ch) => ch.notaryUrl);
  }

  takes(profile: ProfileId, described: DescribedCredential): boolean {
    if (described.kind !== 'registration-number' || !this.notaries.length) return false;
    // A 25.11 credential names one number; one the notary does not know (`local`) stays self-described.
    const n = numbersIn(profile, described).length;
    return profile === 'tagus-22.10' ? n > 0 : n === 1;
  }

  async issue(
    profile: ProfileId,
    described: DescribedCredential,
    vcid: string,
    run: NotaryRun = { unavailable: new Map() },
  ): Promise<IssuedCredential> {
    const { signal } = run;
    const memo = `${profile}|${described.contentHash}`;
    const before = this.refused.get(memo);
    if (before) throw new Error(`${before} (refused before; asked again when the number changes)`);
    const numbers = numbersIn(profile, described);
    const failures: string[] = [];
    for (const ch of this.notaries) {
      const base = ch.notaryUrl!.replace(/\/+$/, '');
      // A notary that did not answer this run is not asked again in it: a run waits for it once.
      const down = run.unavailable.get(ch.name);
      if (down) {
        failures.push(`${ch.name}: ${down}`);
        continue;
      }
      const timeoutMs = Math.min(ch.timeoutMs, NOTARY_TIMEOUT_MS);
      const timeout = AbortSignal.any([...(signal ? [signal] : []), AbortSignal.timeout(timeoutMs)]);
      const isDown = (why: string) => {
        run.unavailable.set(ch.name, why);
        failures.push(`${ch.name}: ${why}`);
      };
      try {
        const r = await this.request(base, profile, described, numbers, vcid, timeout);
        if (r.status >= 400 && r.status < 500 && r.status !== 408 && r.status !== 429) {
          const message = `the notary of ${ch.name} refused ${numbers.map(([, v]) => v).join(', ')}: ${await problemText(r)}`;
          this.refused.set(memo, message);
          throw new NotaryRefusal(message);
        }
        if (r.status !== 200 && r.status !== 201) {
          isDown(await problemText(r));
          continue;
        }
        const body = (await responseText(r, 1 << 20)).trim();
        const checked = await this.verify(ch, body, vcid, described.subject, numbers, profile);
        if (typeof checked === 'string') {
          failures.push(`${ch.name}: its registration-number credential does not verify: ${checked}`);
          continue;
        }
        return checked;
      } catch (err) {
        if (err instanceof NotaryRefusal || signal?.aborted) throw err;
        isDown((err as Error).name === 'TimeoutError' ? `no answer within ${timeoutMs} ms` : (err as Error).message);
      }
    }
    throw new Error(`no notary answered: ${failures.join('; ')}`);
  }

  private request(
    base: string,
    profile: ProfileId,
    described: DescribedCredential,
    numbers: [string, string][],
    vcid: string,
    signal: AbortSignal,
  ): Promise<Response> {
    if (profile === 'tagus-22.10') {
      const context = asArray(described.credential['@context']).filter(
        (c) => c !== 'https://www.w3.org/2018/credentials/v1',
      );
      return peerFetch(`${base}/v1/registrationNumberVC?vcid=${encodeURIComponent(vcid)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify({
          '@context': context,
          type: 'gx:legalRegistrationNumber',
          id: described.subject,
          ...Object.fromEntries(numbers),
        }),
        signal,
      });
    }
    const [key, value] = numbers[0]!;
    const kind = NUMBERS.find((n) => n.key === key)!.v2;
    const query = new URLSearchParams({ vcId: vcid, subjectId: described.subject });
    return peerFetch(`${base}/v2/registration-numbers/${kind}/${encodeURIComponent(value)}?${query}`, {
      headers: { accept: 'application/vc+jwt' },
      signal,
    });
  }

  /**
   * The notary's credential before it is used: issuer = the notary's DID, signature, validity and the
   * key's x5u chain (anchored when the clearing house has trust anchors), our vcid, our subject, and
   * exactly the numbers asked for.
   */
  async verify(
    ch: ClearingHouse,
    body: string,
    vcid: string,
    subject: string,
    numbers: [string, string][],
    profile: ProfileId,
  ): Promise<IssuedCredential | string> {
    let credential: JsonObject;
    try {
      credential = credentialOfBody(body);
    } catch (e) {
      return `neither a JSON-LD credential nor a VC-JWT: ${(e as Error).message}`;
    }
    const expected = notaryDid(ch);
    const issuer = issuerId(credential);
    if (issuer !== expected) return `issued by ${String(issuer)}, not by ${expected}`;
    if (credential.id !== vcid) return `its id is ${String(credential.id)}, not the vcid ${vcid}`;
    const s = asArray(credential.credentialSubject).find((x) => (x as JsonObject | undefined)?.id === subject) as
      JsonObject | undefined;
    if (!s) return `it is not about ${subject}`;
    for (const [key, value] of numbers)
      if (s[key] !== value && s[`gx:${key}`] !== value)
        return `it names ${key} ${String(s[key] ?? s[`gx:${key}`])}, not ${value}`;
    const report = await this.deps.verify(body, { dids: this.resolver(ch).resolver, trustAnchors: ch.trustAnchors });
    const problem = reportProblem(report, ch.trustAnchors.length > 0);
    if (problem) return problem;
    const secured: Secured = body.startsWith('{')
      ? { format: 'ldp', document: JSON.parse(body) as JsonObject }
      : { format: 'jwt', jwt: body, mediaType: 'application/vc+jwt' };
    const method = signedWith(secured);
    if (!method?.startsWith(`${expected}#`)) return `its key ${String(method)} is not one of ${expected}`;
    return { credential, body, mediaType: mediaTypeOf(secured, profile), signedWith: method };
  }

  private resolver(ch: ClearingHouse) {
    let r = this.resolvers.get(ch.name);
    if (!r) this.resolvers.set(ch.name, (r = resolverFor(ch)));
    return r;
  }

  async close(): Promise<void> {
    await Promise.all([...this.resolvers.values()].map((r) => r.close()));
  }
}

class NotaryRefusal extends Error {}

/** A notary request waits at most this long: a run waits for it. */
const NOTARY_TIMEOUT_MS = 30_000;

/** The notary's DID: configured, or did:web of its URL (`https://host/path` → `did:web:host:path`). */
export function notaryDid(ch: Pick<ClearingHouse, 'notaryDid' | 'notaryUrl'>): string {
  if (ch.notaryDid) return ch.notaryDid;
  const u = new URL(ch.notaryUrl!);
  const path = u.pathname.split('/').filter(Boolean).map(encodeURIComponent);
  return ['did:web', encodeURIComponent(u.host), ...path].join(':');
}
