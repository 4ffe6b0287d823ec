// jsonld.js copies the whole active context, term definitions included, each time a context
// changes in a document (every node with a type-scoped context, every return from one). The Gaia-X
// contexts define ~700 terms with type-scoped contexts, so that deep copy was a quarter of the
// pipeline's time and most of its garbage. Term definitions are never changed once made (jsonld.js
// makes a new definition object for a redefined term), so a copy of the maps is the same context.
// test/credentials/jsonld-clone.test.ts compares our N-Quads with those of an unpatched jsonld.js.
import { createRequire } from 'node:module';

/** The context a clone was made from (set by cloneActiveContext). */
const SOURCE = Symbol('gx-gateway:clone-source');

/** A context's term definitions, remembering whether any was set or removed since the copy. */
class TermMap extends Map<string, unknown> {
  changed = false;
  override set(key: string, value: unknown): this {
    this.changed = true;
    return super.set(key, value);
  }
  override delete(key: string): boolean {
    this.changed = true;
    return super.delete(key);
  }
}

interface ActiveContext {
  [SOURCE]?: ActiveContext;
  mappings: Map<string, unknown>;
  protected: Record<string, boolean>;
  inverse: unknown;
  previousContext?: ActiveContext;
  clone(): ActiveContext;
  getInverse: unknown;
  revertToPreviousContext(): ActiveContext;
  '@base'?: unknown;
  '@language'?: unknown;
  '@vocab'?: unknown;
}

/** jsonld.js's _cloneActiveContext, with the maps copied instead of deep-cloned. */
function cloneActiveContext(this: ActiveContext): ActiveContext {
  const child = {
    mappings: new TermMap(this.mappings),
    clone: this.clone,
    inverse: null,
    getInverse: this.getInverse,
    protected: { ...this.protected },
    revertToPreviousContext: this.revertToPreviousContext,
    [SOURCE]: this,
  } as ActiveContext;
  // Shared, not copied: nothing changes an active context once made (see revertToPreviousContext).
  if (this.previousContext) child.previousContext = this.previousContext;
  if ('@base' in this) child['@base'] = this['@base'];
  if ('@language' in this) child['@language'] = this['@language'];
  if ('@vocab' in this) child['@vocab'] = this['@vocab'];
  return child;
}

/**
 * jsonld.js's _revertToPreviousContext without the copy: active contexts are values once made
 * (jsonld.js clones before every change, and already hands out the same processed context from its
 * cache), so the context before a type-scoped one can be returned as it is. Being the same object,
 * it also lets jsonld.js's cache of processed type-scoped contexts (keyed by the active context)
 * hit, instead of processing the type's context again for every node of that type.
 */
function revertToPreviousContext(this: ActiveContext): ActiveContext {
  return this.previousContext ?? this;
}

/** Per canonical context: the canonical copy of it that remembers it as its previous context. */
const withPrevious = new WeakMap<ActiveContext, ActiveContext>();

/**
 * The context jsonld.js's cache of processed contexts is keyed by. jsonld.js makes copies that
 * change nothing: a fresh initial context for a null context (VC 2.0's `verifiableCredential`
 * resets the context of every credential in a presentation), and, before a type-scoped context
 * that does not propagate, a copy pointing back at the context it copies (context.js,
 * `rval.previousContext = activeCtx`). Each is a new object, so the cache never hit and every
 * context below it (a presentation's credentials: the Gaia-X context's ~700 terms) was processed
 * again. An unchanged copy is its source's value; a copy whose only change is that pointer is the
 * same value each time, so the first one stands for all.
 */
function canonical(ctx: ActiveContext): ActiveContext {
  const source = ctx[SOURCE];
  if (!source || !(ctx.mappings instanceof TermMap) || ctx.mappings.changed) return ctx;
  if (
    ctx['@base'] !== source['@base'] ||
    ctx['@vocab'] !== source['@vocab'] ||
    ctx['@language'] !== source['@language']
  )
    return ctx;
  // An unchanged copy (a null context's fresh initial context, say): its source's value.
  if (ctx.previousContext === source.previousContext) return canonical(source);
  if (ctx.previousContext !== source) return ctx;
  const base = canonical(source);
  const known = withPrevious.get(base);
  if (known) return known;
  withPrevious.set(base, ctx);
  return ctx;
}

let installed = false;

/** Install on jsonld.js's initial contexts (every active context is cloned from one of them). */
export function installFastContextClone(): void {
  if (installed) return;
  installed = true;
  const require = createRequire(import.meta.url);
  const context = require('jsonld/lib/context.js') as {
    getInitialContext(o: { processingMode?: string }): ActiveContext;
  };
  const resolved = require('jsonld/lib/ResolvedContext.js') as {
    prototype: {
      cache: { get(k: object): unknown; set(k: object, v: unknown): void };
      getProcessed(ctx: ActiveContext): unknown;
      setProcessed(ctx: ActiveContext, processed: unknown): void;
    };
  };
  resolved.prototype.getProcessed = function (ctx) {
    return this.cache.get(canonical(ctx));
  };
  resolved.prototype.setProcessed = function (ctx, processed) {
    this.cache.set(canonical(ctx), processed);
  };
  for (const processingMode of ['json-ld-1.1', undefined]) {
    const initial = context.getInitialContext(processingMode ? { processingMode } : {});
    initial.clone = cloneActiveContext;
    initial.revertToPreviousContext = revertToPreviousContext;
  }
}
