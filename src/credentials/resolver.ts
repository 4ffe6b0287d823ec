import { Resolver, type DIDResolutionResult, type DIDResolver, type ParsedDID, type DIDCache } from 'did-resolver';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import * as EcdsaMultikey from '@digitalbazaar/ecdsa-multikey';
import { driver as didKeyDriver } from '@digitalbazaar/did-method-key';
import { didWebDocumentUrl } from './did-web.js';
import type { DidUrlDereferencer } from './document-loader.js';
import { GatewayError } from '../core/errors.js';
import { excerpt } from '../core/excerpt.js';
import { isLoopbackHost } from '../net/guard.js';
import type { GuardedFetcher } from '../net/guarded-fetch.js';

export interface ResolverOptions {
  fetcher: GuardedFetcher;
  /** Resolve did:web over http (development only). */
  allowHttp: boolean;
  cacheTtlMs: number;
  /** How long a failed resolution or fetch is remembered, so a dead host costs one timeout. */
  failureTtlMs?: number;
  /** DIDs this process controls, answered without the network (the gateway's own DID). */
  localDocuments?: Map<string, () => Promise<Record<string, unknown>>>;
  /** Documents this process serves itself (its own x5u chains), answered without the network. */
  localText?: (url: string) => string | undefined;
}

export interface DidResolverService extends DidUrlDereferencer {
  /** The DID document of a did:web or did:key. */
  resolve(did: string): Promise<Record<string, unknown>>;
  /** A document fetched under the same network policy (e.g. an x5u chain), cached like DIDs. */
  fetchText(url: string, accept: string): Promise<string>;
}

function errorResult(error: string, message: string): DIDResolutionResult {
  return { didResolutionMetadata: { error, message }, didDocument: null, didDocumentMetadata: {} };
}

function webResolver(opts: ResolverOptions): DIDResolver {
  return async (did: string, parsed: ParsedDID) => {
    const local = opts.localDocuments?.get(parsed.did);
    try {
      if (local) {
        return {
          didResolutionMetadata: { contentType: 'application/did+json' },
          didDocument: (await local()) as never,
          didDocumentMetadata: {},
        };
      }
      // allowHttp (development only) takes loopback did:web hosts over http; every other host is https.
      const https = didWebDocumentUrl(parsed.did, 'https');
      const url = opts.allowHttp && isLoopbackHost(https.hostname) ? didWebDocumentUrl(parsed.did, 'http') : https;
      const text = await opts.fetcher.getText(url.toString(), 'application/did+json, application/json');
      let doc: Record<string, unknown>;
      try {
        doc = JSON.parse(text) as Record<string, unknown>;
      } catch {
        return errorResult('invalidDidDocument', `the DID document at ${url} is not JSON`);
      }
      if (!doc || typeof doc !== 'object' || Array.isArray(doc))
        return errorResult('invalidDidDocument', `the DID document at ${url} is not a JSON object`);
      if (doc.id !== parsed.did) {
        return errorResult(
          'invalidDidDocument',
          `the DID document at ${url} has id ${excerpt(doc.id, 60)}, not ${parsed.did}`,
        );
      }
      return {
        didResolutionMetadata: { contentType: 'application/did+json' },
        didDocument: doc as never,
        didDocumentMetadata: {},
      };
    } catch (err) {
      const e = err as GatewayError;
      return errorResult(e.code ?? 'notFound', e.message);
    }
  };
}

function keyResolver(): DIDResolver {
  const driver = didKeyDriver();
  driver.use({ multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from });
  driver.use({ multibaseMultikeyHeader: 'zDn', fromMultibase: EcdsaMultikey.from });
  return async (did: string, parsed: ParsedDID) => {
    try {
      const doc = await driver.get({ did: parsed.did });
      return {
        didResolutionMetadata: { contentType: 'application/did+ld+json' },
        didDocument: doc as never,
        didDocumentMetadata: {},
      };
    } catch (err) {
      return errorResult(
        'invalidDid',
        `cannot resolve ${did}: ${(err as Error).message} (supported did:key types: Ed25519, P-256)`,
      );
    }
  };
}

/**
 * Remember results: successes for `ttlMs`, failures for `failureTtlMs`; concurrent requests for one
 * key share one attempt. Bounded in entries (oldest dropped first).
 */
export function memoize<T>(ttlMs: number, failureTtlMs: number, isFailure: (v: T) => boolean, maxEntries = 10_000) {
  const entries = new Map<string, { until: number; value: Promise<T> }>();
  return (key: string, produce: () => Promise<T>): Promise<T> => {
    const now = Date.now();
    const hit = entries.get(key);
    if (hit && hit.until > now) return hit.value;
    const value = produce();
    const entry = { until: Infinity, value };
    entries.set(key, entry);
    if (entries.size > maxEntries) entries.delete(entries.keys().next().value!);
    const settle = (failed: boolean) => {
      const ttl = failed ? failureTtlMs : ttlMs;
      if (ttl <= 0) {
        if (entries.get(key) === entry) entries.delete(key);
      } else entry.until = Date.now() + ttl;
    };
    value.then(
      (v) => settle(isFailure(v)),
      () => settle(true),
    );
    return value;
  };
}

function ttlCache(ttlMs: number, failureTtlMs: number): DIDCache {
  const cached = memoize<DIDResolutionResult>(ttlMs, failureTtlMs, (r) => Boolean(r.didResolutionMetadata.error));
  return (parsed, resolve) => cached(parsed.didUrl, resolve);
}

export function createDidResolver(opts: ResolverOptions): DidResolverService {
  const failureTtlMs = opts.failureTtlMs ?? 30_000;
  const resolver = new Resolver(
    { web: webResolver(opts), key: keyResolver() },
    { cache: ttlCache(opts.cacheTtlMs, failureTtlMs) },
  );
  const texts = memoize<string>(opts.cacheTtlMs, failureTtlMs, () => false);

  async function resolve(did: string): Promise<Record<string, unknown>> {
    // This process's own DID is answered from its key store as it is now, never from a cache.
    const local = opts.localDocuments?.get(did);
    if (local) return local();
    const result = await resolver.resolve(did);
    const meta = result.didResolutionMetadata;
    if (meta.error || !result.didDocument) {
      const detail = (meta as { message?: string }).message ?? meta.error ?? 'no document';
      throw new GatewayError(
        `cannot resolve ${excerpt(did, 120)}: ${detail}`,
        meta.error === 'private-address' ? 'private-address' : 'did-resolution',
      );
    }
    return result.didDocument as unknown as Record<string, unknown>;
  }

  return {
    resolve,
    async dereference(didUrl: string) {
      const hash = didUrl.indexOf('#');
      const did = hash >= 0 ? didUrl.slice(0, hash) : didUrl;
      const doc = await resolve(did);
      if (hash < 0) return doc;
      const vm = findVerificationMethod(doc, didUrl);
      if (!vm) {
        const ids = listVerificationMethods(doc).map((m) => String(m.id));
        throw new GatewayError(
          `verification method ${excerpt(didUrl, 120)} is not in the DID document of ${excerpt(did, 120)} (it lists: ${excerpt(ids.slice(0, 5).join(', ') || 'none', 200)})`,
          'unknown-verification-method',
        );
      }
      return { '@context': doc['@context'], ...vm, id: didUrl };
    },
    async fetchText(url: string, accept: string) {
      const local = opts.localText?.(url);
      if (local !== undefined) return local;
      return texts(url, () => opts.fetcher.getText(url, accept));
    },
  };
}

export function listVerificationMethods(doc: Record<string, unknown>): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const push = (v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) out.push(v as Record<string, unknown>);
  };
  for (const key of ['verificationMethod', 'assertionMethod', 'authentication']) {
    const list = doc[key];
    if (Array.isArray(list)) list.forEach(push);
  }
  return out;
}

/** The verification method whose id equals `didUrl` exactly (relative `#frag` ids are resolved against the DID). */
export function findVerificationMethod(
  doc: Record<string, unknown>,
  didUrl: string,
): Record<string, unknown> | undefined {
  const did = String(doc.id);
  return listVerificationMethods(doc).find((m) => {
    const id = String(m.id);
    return id === didUrl || (id.startsWith('#') && `${did}${id}` === didUrl);
  });
}

/** The verification relationships a proof can name (its proofPurpose). */
export type ProofPurpose = 'assertionMethod' | 'authentication';

/**
 * Whether the DID document authorizes the method for a purpose: `assertionMethod` (issuing
 * credentials) or `authentication` (presentations signed by their holder).
 */
export function isAuthorizedFor(doc: Record<string, unknown>, didUrl: string, purpose: ProofPurpose): boolean {
  const did = String(doc.id);
  const list = doc[purpose];
  if (!Array.isArray(list)) return false;
  return list.some((entry) => {
    const id = typeof entry === 'string' ? entry : String((entry as { id?: unknown }).id);
    return id === didUrl || (id.startsWith('#') && `${did}${id}` === didUrl);
  });
}
