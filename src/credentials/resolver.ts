import { Resolver, type DIDResolutionResult, type DIDResolver, type ParsedDID, type DIDCache } from 'did-resolver';
import * as Ed25519Multikey from '@digitalbazaar/ed25519-multikey';
import * as EcdsaMultikey from '@digitalbazaar/ecdsa-multikey';
import { driver as didKeyDriver } from '@digitalbazaar/did-method-key';
import { didWebDocumentUrl } from './did-web.js';
import type { DidUrlDereferencer } from './document-loader.js';
import { GatewayError } from './errors.js';
import type { GuardedFetcher } from './http-fetch.js';

export interface ResolverOptions {
  fetcher: GuardedFetcher;
  /** Resolve did:web over http (development only). */
  allowHttp: boolean;
  cacheTtlMs: number;
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
        return { didResolutionMetadata: { contentType: 'application/did+json' }, didDocument: (await local()) as never, didDocumentMetadata: {} };
      }
      const url = didWebDocumentUrl(parsed.did, opts.allowHttp && isHttpDevelopment(parsed.did) ? 'http' : 'https');
      const text = await opts.fetcher.getText(url.toString(), 'application/did+json, application/json');
      let doc: Record<string, unknown>;
      try {
        doc = JSON.parse(text) as Record<string, unknown>;
      } catch {
        return errorResult('invalidDidDocument', `the DID document at ${url} is not JSON`);
      }
      if (doc.id !== parsed.did) {
        return errorResult('invalidDidDocument', `the DID document at ${url} has id ${String(doc.id)}, not ${parsed.did}`);
      }
      return { didResolutionMetadata: { contentType: 'application/did+json' }, didDocument: doc as never, didDocumentMetadata: {} };
    } catch (err) {
      const e = err as GatewayError;
      return errorResult(e.code ?? 'notFound', e.message);
    }
  };
}

/** In development with allowHttp, only loopback did:web hosts fall back to http. */
function isHttpDevelopment(did: string): boolean {
  const host = decodeURIComponent(did.split(':')[2] ?? '').replace(/:\d+$/, '');
  return host === 'localhost' || host === '127.0.0.1' || host === '[::1]';
}

function keyResolver(): DIDResolver {
  const driver = didKeyDriver();
  driver.use({ multibaseMultikeyHeader: 'z6Mk', fromMultibase: Ed25519Multikey.from });
  driver.use({ multibaseMultikeyHeader: 'zDn', fromMultibase: EcdsaMultikey.from });
  return async (did: string, parsed: ParsedDID) => {
    try {
      const doc = await driver.get({ did: parsed.did });
      return { didResolutionMetadata: { contentType: 'application/did+ld+json' }, didDocument: doc as never, didDocumentMetadata: {} };
    } catch (err) {
      return errorResult('invalidDid', `cannot resolve ${did}: ${(err as Error).message} (supported did:key types: Ed25519, P-256)`);
    }
  };
}

function ttlCache(ttlMs: number): DIDCache {
  const entries = new Map<string, { at: number; result: DIDResolutionResult }>();
  return async (parsed, resolve) => {
    const hit = entries.get(parsed.didUrl);
    if (hit && Date.now() - hit.at < ttlMs) return hit.result;
    const result = await resolve();
    if (!result.didResolutionMetadata.error) entries.set(parsed.didUrl, { at: Date.now(), result });
    return result;
  };
}

export function createDidResolver(opts: ResolverOptions): DidResolverService {
  const resolver = new Resolver({ web: webResolver(opts), key: keyResolver() }, { cache: ttlCache(opts.cacheTtlMs) });
  const texts = new Map<string, { at: number; text: string }>();

  async function resolve(did: string): Promise<Record<string, unknown>> {
    const result = await resolver.resolve(did);
    const meta = result.didResolutionMetadata;
    if (meta.error || !result.didDocument) {
      const detail = (meta as { message?: string }).message ?? meta.error ?? 'no document';
      throw new GatewayError(`cannot resolve ${did}: ${detail}`, meta.error === 'private-address' ? 'private-address' : 'did-resolution');
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
          `verification method ${didUrl} is not in the DID document of ${did} (it lists: ${ids.join(', ') || 'none'})`,
          'unknown-verification-method',
        );
      }
      return { '@context': doc['@context'], ...vm, id: didUrl };
    },
    async fetchText(url: string, accept: string) {
      const local = opts.localText?.(url);
      if (local !== undefined) return local;
      const hit = texts.get(url);
      if (hit && Date.now() - hit.at < opts.cacheTtlMs) return hit.text;
      const text = await opts.fetcher.getText(url, accept);
      texts.set(url, { at: Date.now(), text });
      return text;
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
export function findVerificationMethod(doc: Record<string, unknown>, didUrl: string): Record<string, unknown> | undefined {
  const did = String(doc.id);
  return listVerificationMethods(doc).find((m) => {
    const id = String(m.id);
    return id === didUrl || (id.startsWith('#') && `${did}${id}` === didUrl);
  });
}

/** Whether the DID document authorizes the method for assertions (issuing credentials). */
export function isAssertionMethod(doc: Record<string, unknown>, didUrl: string): boolean {
  const did = String(doc.id);
  const list = doc.assertionMethod;
  if (!Array.isArray(list)) return false;
  return list.some((entry) => {
    const id = typeof entry === 'string' ? entry : String((entry as { id?: unknown }).id);
    return id === didUrl || (id.startsWith('#') && `${did}${id}` === didUrl);
  });
}
