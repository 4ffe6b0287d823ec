// jsonld.js builds a node map (toRDF, and so every canonicalization) with util.addValue(…,
// {allowDuplicate: false}), which asks util.hasValue whether the value is there already by
// comparing it with every value the property has: quadratic in the values of one property. A
// compute offering of a cloud with 10,000 images names each image once (codeArtifact): 10,000
// values, 50 million comparisons, seconds per canonicalization (and over the time budget on a busy
// machine). This answers hasValue for long arrays from an index of the values' keys, with the same
// answer as util.compareValues; anything it cannot key is compared as before.
// test/credentials/jsonld-clone.test.ts compares our N-Quads with those of an unpatched jsonld.js.
import { createRequire } from 'node:module';

/** Arrays shorter than this are scanned as jsonld.js does. */
const INDEX_FROM = 16;

type Value = unknown;
interface Index {
  /** The array's length and first element when the index was last brought up to date. */
  length: number;
  first: Value;
  keys: Set<string>;
  /** An element no key stands for (an @id that is not a string, say): scan this array. */
  unkeyable: boolean;
}

const isObject = (v: Value): v is Record<string, unknown> => Object.prototype.toString.call(v) === '[object Object]';
const optionalString = (v: unknown) => v === undefined || typeof v === 'string';

/**
 * The keys under which `v` equals another value by util.compareValues: equal primitives (strings
 * only here), equal @value objects (@value, @type, @language and @index alike), objects with the
 * same @id. Undefined: no key says it (compare by scanning).
 */
function keysOf(v: Value): string[] | undefined {
  if (typeof v === 'string') return [`s${v}`];
  if (!isObject(v)) return undefined;
  const keys: string[] = [];
  if ('@value' in v) {
    const value = v['@value'];
    if (!(
      typeof value === 'string' ||
      typeof value === 'boolean' ||
      (typeof value === 'number' && Number.isFinite(value))
    ))
      return undefined;
    if (!optionalString(v['@type']) || !optionalString(v['@language']) || !optionalString(v['@index']))
      return undefined;
    keys.push(
      `v${JSON.stringify([typeof value, value, v['@type'] ?? null, v['@language'] ?? null, v['@index'] ?? null])}`,
    );
    // -0 and 0 are === but stringify alike anyway; undefined and absent are alike for compareValues.
  }
  if ('@id' in v) {
    if (typeof v['@id'] !== 'string') return undefined;
    keys.push(`i${v['@id']}`);
  }
  // An object with neither (a list, say) equals only itself: scan.
  return keys.length ? keys : undefined;
}

const indexes = new WeakMap<Value[], Index>();

function indexOf(values: Value[]): Index {
  let index = indexes.get(values);
  if (index && index.first === values[0] && index.length <= values.length) {
    // Values appended since (what addValue does): add theirs.
    for (; index.length < values.length && !index.unkeyable; index.length++) {
      const keys = keysOf(values[index.length]);
      if (!keys) index.unkeyable = true;
      else for (const k of keys) index.keys.add(k);
    }
    return index;
  }
  index = { length: 0, first: values[0], keys: new Set(), unkeyable: false };
  indexes.set(values, index);
  return indexOf(values);
}

let installed = false;

/** Install on jsonld.js's util (the node map calls it through the module object). */
export function installValueIndex(): void {
  if (installed) return;
  installed = true;
  const require = createRequire(import.meta.url);
  const util = require('jsonld/lib/util.js') as {
    hasValue(subject: Record<string, unknown>, property: string, value: Value): boolean;
  };
  const hasValue = util.hasValue;
  util.hasValue = (subject, property, value) => {
    const values = Object.prototype.hasOwnProperty.call(subject, property) ? subject[property] : undefined;
    if (!Array.isArray(values) || values.length < INDEX_FROM) return hasValue(subject, property, value);
    const keys = keysOf(value);
    const index = keys && indexOf(values);
    if (!keys || !index || index.unkeyable) return hasValue(subject, property, value);
    // Equal by a key (the very same object has the same keys).
    return keys.some((k) => index.keys.has(k));
  };
}
