import ContextResolver from 'jsonld/lib/ContextResolver.js';
import type { DocumentLoader } from './document-loader.js';

/** Contexts kept per loader: the bundled ones and the inline contexts most recently seen. */
const MAX_CONTEXTS = 256;

/** A Map that forgets its oldest entry past `max` (inline contexts come from untrusted documents). */
class Bounded<V> {
  private readonly map = new Map<string, V>();
  constructor(private readonly max: number) {}
  get(key: string): V | undefined {
    return this.map.get(key);
  }
  set(key: string, value: V): this {
    this.map.delete(key);
    this.map.set(key, value);
    if (this.map.size > this.max) this.map.delete(this.map.keys().next().value!);
    return this;
  }
}

/**
 * jsonld.js options that process each context once per loader, not once per document. jsonld.js
 * keeps a resolved context (and the active contexts processed from it) between operations only when
 * the loader tags it `static`, and then in one cache for the whole process; here the cache is the
 * loader's own, so loaders with other documents under the same URL never see each other's. The
 * Gaia-X contexts have ~700 terms: cloning and processing them per credential was most of an
 * expansion. Bundled contexts never change, so `static` is true of every one.
 */
export function contextReuse(
  loader: DocumentLoader,
): () => { documentLoader: DocumentLoader; contextResolver: unknown } {
  const sharedCache = new Bounded<unknown>(MAX_CONTEXTS);
  const documentLoader: DocumentLoader = async (url) => ({ ...(await loader(url)), tag: 'static' });
  return () => ({ documentLoader, contextResolver: new ContextResolver({ sharedCache }) });
}
