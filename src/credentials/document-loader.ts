import { GatewayError } from '../core/errors.js';
import type { BundledContext } from './contexts.js';

export interface RemoteDocument {
  contextUrl: null;
  documentUrl: string;
  document: unknown;
  /** `static`: the document never changes (jsonld.js may keep what it made of it; see context-reuse.ts). */
  tag?: 'static';
}
export type DocumentLoader = (url: string) => Promise<RemoteDocument>;

/**
 * An offline JSON-LD document loader: it serves only the contexts it was given and never touches
 * the network. Any other URL is an `unknown-context` error that names the URL.
 */
export function createDocumentLoader(contexts: Iterable<BundledContext>): DocumentLoader {
  const byUrl = new Map<string, BundledContext>();
  for (const c of contexts) byUrl.set(c.url, c);
  const lookup = (url: string): BundledContext | undefined => {
    const exact = byUrl.get(url);
    if (exact) return exact;
    // Gaia-X URLs are vocabularies ending in '#'; accept them with or without it.
    const hash = url.indexOf('#');
    const bare = hash >= 0 ? url.slice(0, hash) : url;
    return byUrl.get(bare) ?? byUrl.get(`${bare}#`);
  };
  return async (url: string) => {
    const found = lookup(url);
    if (!found) {
      throw new GatewayError(
        `JSON-LD context "${url}" is not bundled with gx-gateway and will not be fetched from the network; ` +
          'remove it from the document or map it to a local file under jsonld.localContexts in the configuration',
        'unknown-context',
      );
    }
    return { contextUrl: null, documentUrl: url, document: found.document };
  };
}

/** The DID resolution half of a verifier's document loader. */
export interface DidUrlDereferencer {
  /** The DID document, or the verification method a DID URL with a fragment names. */
  dereference(didUrl: string): Promise<Record<string, unknown>>;
}

/**
 * A loader for verification: contexts from `base`, `did:` URLs through the resolver. A verification
 * method is returned with the DID document's @context so JSON-LD suites can read it.
 */
export function withDidResolution(base: DocumentLoader, dids: DidUrlDereferencer): DocumentLoader {
  return async (url: string) => {
    if (url.startsWith('did:')) {
      const document = await dids.dereference(url);
      return { contextUrl: null, documentUrl: url, document };
    }
    return base(url);
  };
}
