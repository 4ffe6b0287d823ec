import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import jsonld from 'jsonld';
import { Parser, type Quad } from 'n3';
import { IndexedGraph } from './graph.js';
import { packageRoot, shapesDir } from '../paths.js';
import { RDFS_SUBCLASS } from './vocab.js';

import type { ProfileId } from '../core/ids.js';
export { PROFILES, type ProfileId } from '../core/ids.js';

/** Where the build writes a profile's compiled shapes (see compile.ts). */
export const compiledShapesFile = (profile: ProfileId) =>
  join(packageRoot, 'dist', 'shapes-compiled', `${profile}.json`);

export interface ShapeSet {
  profile: ProfileId;
  shapes: IndexedGraph;
  /** `rdfs:subClassOf` triples of the profile's ontology. */
  subClassOf: Quad[];
  /** The subClassOf triples reachable from these classes (what a data graph with them needs). */
  superclassTriples(classes: Iterable<string>): Quad[];
  loadMs: number;
  /** True for the build-time subset (see compile.ts), false for the full official shapes. */
  compiled: boolean;
  /** Whether these shapes report for a graph with these types exactly what the full set reports. */
  covers(types: Iterable<string>): boolean;
}

const cache = new Map<string, Promise<ShapeSet>>();

async function jsonLdQuads(file: string): Promise<Quad[]> {
  const doc = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  // These documents carry their context inline; nothing is loaded.
  const nquads = await jsonld.toRDF(doc, {
    format: 'application/n-quads',
    documentLoader: async (url: string) => {
      throw new Error(`shapes must not load ${url}`);
    },
  });
  return new Parser({ format: 'N-Quads' }).parse(nquads as unknown as string);
}

function assemble(
  profile: ProfileId,
  shapeQuads: Quad[],
  subClassOf: Quad[],
  started: number,
  compiled: { uncovered: Set<string> } | undefined,
): ShapeSet {
  // shacl-engine resolves sh:class through rdfs:subClassOf in the shapes graph (at compile time),
  // rdf-validate-shacl through the data graph: the triples go into both, so both engines agree.
  const shapes = new IndexedGraph([...shapeQuads, ...subClassOf]);
  const bySubject = new Map<string, Quad[]>();
  for (const q of subClassOf) {
    const list = bySubject.get(q.subject.value);
    if (list) list.push(q);
    else bySubject.set(q.subject.value, [q]);
  }
  const superclassTriples = (classes: Iterable<string>) => {
    const out: Quad[] = [];
    const seen = new Set<string>();
    const queue = [...classes];
    while (queue.length) {
      const c = queue.pop()!;
      if (seen.has(c)) continue;
      seen.add(c);
      for (const q of bySubject.get(c) ?? []) {
        out.push(q);
        queue.push(q.object.value);
      }
    }
    return out;
  };
  const covers = (types: Iterable<string>) => {
    if (!compiled) return true;
    for (const t of types) if (compiled.uncovered.has(t)) return false;
    return true;
  };
  return {
    profile,
    shapes,
    subClassOf,
    superclassTriples,
    loadMs: performance.now() - started,
    compiled: Boolean(compiled),
    covers,
  };
}

/** The build-time subset of a profile's shapes (dist/shapes-compiled), when the build made it. */
function loadCompiled(profile: ProfileId): ShapeSet | undefined {
  const started = performance.now();
  const file = compiledShapesFile(profile);
  if (!existsSync(file)) return undefined;
  const c = JSON.parse(readFileSync(file, 'utf8')) as { uncovered: string[]; nquads: string };
  const quads = new Parser({ format: 'N-Quads' }).parse(c.nquads);
  const subClassOf = quads.filter((q) => q.predicate.value === RDFS_SUBCLASS);
  return assemble(
    profile,
    quads.filter((q) => q.predicate.value !== RDFS_SUBCLASS),
    subClassOf,
    started,
    { uncovered: new Set(c.uncovered) },
  );
}

/** The full official shapes of a profile (and ours), parsed from shapes/. */
export async function loadFullShapeSet(profile: ProfileId): Promise<ShapeSet> {
  const started = performance.now();
  let shapeQuads: Quad[];
  let ontologyQuads: Quad[];
  if (profile === 'gaia-x-25.11') {
    const dir = join(shapesDir, 'gaia-x', '25.11');
    shapeQuads = new Parser().parse(readFileSync(join(dir, 'gx.shacl.ttl'), 'utf8'));
    ontologyQuads = new Parser().parse(readFileSync(join(dir, 'gx.owl.ttl'), 'utf8'));
  } else {
    const dir = join(shapesDir, 'gaia-x', '22.10');
    shapeQuads = await jsonLdQuads(join(dir, 'gx_shacl.json'));
    ontologyQuads = await jsonLdQuads(join(dir, 'gx_ontology.json'));
  }
  // gx-gateway's own `scs` shapes apply under both profiles (the facts ride along either).
  shapeQuads = shapeQuads.concat(new Parser().parse(readFileSync(join(shapesDir, 'scs', 'scs.shacl.ttl'), 'utf8')));
  const subClassOf = ontologyQuads.filter(
    (q) => q.predicate.value === RDFS_SUBCLASS && q.object.termType === 'NamedNode',
  );
  return assemble(profile, shapeQuads, subClassOf, started, undefined);
}

/**
 * The shapes of a profile, parsed once per process and shared (they are never modified): the
 * build-time subset when present (fast, small), else, or with `full`, the official files.
 */
export function shapeSet(profile: ProfileId, opts: { full?: boolean } = {}): Promise<ShapeSet> {
  const k = `${profile}${opts.full ? ':full' : ''}`;
  let set = cache.get(k);
  if (!set) {
    set = opts.full
      ? loadFullShapeSet(profile)
      : Promise.resolve().then(() => loadCompiled(profile) ?? shapeSet(profile, { full: true }));
    cache.set(k, set);
  }
  return set;
}
