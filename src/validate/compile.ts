import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DataFactory, Writer, type Quad, type Term } from 'n3';
import { EMITTED_CLASSES } from './classes.js';
import type { IndexedGraph } from './graph.js';
import { compiledShapesFile, loadFullShapeSet, PROFILES, type ProfileId } from './shapes.js';
import { RDF_FIRST, RDF_REST, RDF_TYPE, SH } from './vocab.js';

const DOCUMENTATION = new Set([SH + 'name', SH + 'description', SH + 'order']);
/** Objects that name classes, properties or datatypes, never shapes to follow. */
const NOT_SHAPES = new Set([SH + 'targetClass', SH + 'class', SH + 'path', SH + 'datatype', RDF_TYPE]);

/** What the build writes per profile. */
export interface CompiledShapes {
  profile: ProfileId;
  /** Classes whose targeting shapes are all included (the emitted classes and their superclasses). */
  covered: string[];
  /** Classes the full shapes or ontology know that the compiled set leaves out: a graph with one is validated against the full shapes. */
  uncovered: string[];
  /** The reachable shapes and the rdfs:subClassOf triples among covered classes, as N-Quads. */
  nquads: string;
}

/** Every quad reachable from a node through blank nodes, lists and referenced shapes. */
function reachable(shapes: IndexedGraph, roots: Term[]): Quad[] {
  const out: Quad[] = [];
  const seen = new Set<string>();
  const queue = [...roots];
  while (queue.length) {
    const node = queue.pop()!;
    const k = `${node.termType}:${node.value}`;
    if (seen.has(k)) continue;
    seen.add(k);
    for (const q of shapes.getQuads(node, null, null, null)) {
      // Documentation (names, descriptions, form order) does not change what a shape reports.
      if (DOCUMENTATION.has(q.predicate.value)) continue;
      out.push(q);
      const o = q.object;
      // Blank nodes (property shapes, lists, sh:or members) and named shapes they point at.
      if (o.termType === 'BlankNode') queue.push(o);
      else if (
        o.termType === 'NamedNode' &&
        !NOT_SHAPES.has(q.predicate.value) &&
        shapes.countQuads(o, null, null, null) > 0
      )
        queue.push(o);
    }
  }
  return out;
}

/**
 * One copy of each list of values: the generated shapes repeat the same `sh:in` lists (countries,
 * SPDX licences, media types) in every shape that uses them, and list cells were nine tenths of
 * the quads. A list is a value; sharing it changes no result. Lists holding blank nodes
 * (sh:or alternatives) are left alone.
 */
function internLists(quads: Quad[]): Quad[] {
  const first = new Map<string, Quad>();
  const rest = new Map<string, Quad>();
  for (const q of quads) {
    if (q.predicate.value === RDF_FIRST) first.set(q.subject.value, q);
    else if (q.predicate.value === RDF_REST) rest.set(q.subject.value, q);
  }
  const heads = quads.filter(
    (q) => q.object.termType === 'BlankNode' && q.predicate.value !== RDF_REST && first.has(q.object.value),
  );
  const canonical = new Map<string, string>(); // content key → head
  const replace = new Map<string, string>(); // duplicate head → canonical head
  const cellsOf = (head: string): string[] | undefined => {
    const cells: string[] = [];
    for (
      let node: string | undefined = head;
      node && first.has(node);
      node = rest.get(node)?.object.termType === 'BlankNode' ? rest.get(node)!.object.value : undefined
    ) {
      if (first.get(node)!.object.termType === 'BlankNode') return undefined;
      cells.push(node);
    }
    return cells;
  };
  const drop = new Set<string>();
  for (const h of heads) {
    const head = h.object.value;
    if (replace.has(head) || canonical.has(head)) continue;
    const cells = cellsOf(head);
    if (!cells) continue;
    const key = JSON.stringify(
      cells.map((c) => {
        const o = first.get(c)!.object as Term & { datatype?: Term; language?: string };
        return [o.termType, o.value, o.datatype?.value ?? '', o.language ?? ''];
      }),
    );
    const seen = canonical.get(key);
    if (seen === undefined) canonical.set(key, head);
    else if (seen !== head) {
      replace.set(head, seen);
      for (const c of cells) drop.add(c);
    }
  }
  return quads
    .filter((q) => !drop.has(q.subject.value))
    .map((q) =>
      q.object.termType === 'BlankNode' && replace.has(q.object.value)
        ? DataFactory.quad(q.subject, q.predicate, DataFactory.blankNode(replace.get(q.object.value)!))
        : q,
    );
}

/**
 * The shapes a graph of the emitted classes can meet: shapes targeting those classes or their
 * superclasses, and everything they reference. Plus the subClassOf triples among those classes (sh:class needs them).
 */
export async function compileShapes(profile: ProfileId): Promise<CompiledShapes> {
  const full = await loadFullShapeSet(profile);
  const emitted = EMITTED_CLASSES[profile];
  const covered = new Set([...emitted, ...full.superclassTriples(emitted).map((q) => q.object.value)]);
  const targeted = full.shapes.getQuads(null, SH + 'targetClass', null, null);
  const roots = targeted.filter((q) => covered.has(q.object.value)).map((q) => q.subject);
  const quads = reachable(full.shapes, roots);
  // Shapes without a target apply only where referenced (sh:node): reachable() took those.
  // Only the subclass triples among covered classes: shacl-engine resolves each target class to
  // all its subclasses in the shapes graph and looks each one up per validation, so the ~9,000
  // classes of the ontology would cost more than the shapes. Any other known class in a graph
  // (a subclass or a target left out) sends the graph to the full shapes (see ShapeSet.covers).
  const all = [...internLists(quads), ...full.subClassOf.filter((q) => covered.has(q.subject.value))];
  const known = new Set([
    ...full.subClassOf.flatMap((q) => [q.subject.value, q.object.value]),
    ...targeted.map((q) => q.object.value),
  ]);
  const uncovered = [...known].filter((c) => !covered.has(c));
  const writer = new Writer({ format: 'N-Quads' });
  const nquads = writer.quadsToString(all.map((q) => DataFactory.quad(q.subject, q.predicate, q.object)));
  return { profile, covered: [...covered].sort(), uncovered: uncovered.sort(), nquads };
}

async function main(): Promise<void> {
  mkdirSync(dirname(compiledShapesFile(PROFILES[0]!)), { recursive: true });
  for (const profile of PROFILES) {
    const started = performance.now();
    const c = await compileShapes(profile);
    writeFileSync(compiledShapesFile(profile), JSON.stringify(c));
    const n = c.nquads.split('\n').length - 1;
    process.stdout.write(
      `compiled shapes ${profile}: ${n} quads (${c.covered.length} classes covered) in ${Math.round(performance.now() - started)} ms\n`,
    );
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((err: unknown) => {
    process.stderr.write(`compile-shapes: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
