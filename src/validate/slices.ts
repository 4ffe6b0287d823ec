import type { Quad, Term } from 'n3';
import type { IndexedGraph } from './graph.js';
import { RDF_TYPE, SH } from './vocab.js';

/**
 * Validating a large set in slices: one graph of 20,000 credentials held the SHACL engine's
 * structures for all of them at once (most of a 10,000-resource run's memory). A slice holds a few
 * hundred credentials, and what the shapes can reach from them in the others:
 *
 * - the whole credential behind a reference the shapes follow (sh:node, nested property shapes,
 *   qualified value shapes, a path of several steps), and again from there;
 * - the rdf:type triples of any other node a slice's quads name (sh:class needs only those);
 * - credentials that describe the same named node together, always in one slice.
 *
 * Only the slice's own credentials' nodes are focus nodes; a node the slice holds only as context
 * is validated in its own slice. Shapes that look at a node from the outside (sh:inversePath,
 * sh:targetObjectsOf, SPARQL) could see triples in another slice: with those the set is one slice.
 */
export interface SliceShapes {
  /** False when the shapes can see triples a slice would not hold: validate the set as one graph. */
  sliceable: boolean;
  /** Predicates along which the shapes look at more than the value node's type. */
  deep: Set<string>;
}

/** What a shape may say about a value and its focus node's own values, without looking further. */
const SHALLOW = new Set(
  [
    'class',
    'datatype',
    'nodeKind',
    'in',
    'hasValue',
    'pattern',
    'flags',
    'minLength',
    'maxLength',
    'minInclusive',
    'maxInclusive',
    'minExclusive',
    'maxExclusive',
    'languageIn',
    'uniqueLang',
    'minCount',
    'maxCount',
    'equals',
    'disjoint',
    'lessThan',
    'lessThanOrEquals',
    'message',
    'name',
    'description',
    'severity',
    'order',
    'group',
    'defaultValue',
    'deactivated',
    'path',
  ].map((p) => SH + p),
);
const LOGICAL = new Set(['or', 'and', 'xone'].map((p) => SH + p));
const OUTSIDE = ['inversePath', 'targetObjectsOf', 'target', 'sparql'].map((p) => SH + p);
const RDF_FIRST = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#first';
const RDF_REST = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#rest';
const RDF_NIL = 'http://www.w3.org/1999/02/22-rdf-syntax-ns#nil';

function list(shapes: IndexedGraph, head: Term): Term[] {
  const out: Term[] = [];
  let node: Term | undefined = head;
  for (let n = 0; node && node.value !== RDF_NIL && n < 10_000; n++) {
    const first = shapes.getObjects(node, RDF_FIRST, null)[0];
    if (first) out.push(first);
    node = shapes.getObjects(node, RDF_REST, null)[0];
  }
  return out;
}

const analysed = new WeakMap<IndexedGraph, SliceShapes>();

/** Which predicates of a shapes graph lead the shapes into the referenced node (cached per graph). */
export function sliceShapes(shapes: IndexedGraph): SliceShapes {
  let found = analysed.get(shapes);
  if (found) return found;
  const shallow = (node: Term, depth = 0): boolean =>
    depth < 32 &&
    shapes.getQuads(node, null, null, null).every((q) => {
      if (q.predicate.value === RDF_TYPE || SHALLOW.has(q.predicate.value)) return true;
      if (LOGICAL.has(q.predicate.value)) return list(shapes, q.object).every((m) => shallow(m, depth + 1));
      if (q.predicate.value === `${SH}not`) return shallow(q.object, depth + 1);
      return false;
    });
  const deep = new Set<string>();
  let sliceable = OUTSIDE.every((p) => shapes.getQuads(null, p, null, null).length === 0);
  for (const q of shapes.getQuads(null, `${SH}path`, null, null)) {
    if (q.object.termType === 'NamedNode') {
      if (!shallow(q.subject)) deep.add(q.object.value);
      continue;
    }
    // A path of several steps (or alternatives, or repetition): every predicate in it is followed.
    const stack: Term[] = [q.object];
    for (let n = 0; stack.length && n < 10_000; n++) {
      const node = stack.pop()!;
      if (node.termType === 'NamedNode') {
        if (node.value !== RDF_NIL) deep.add(node.value);
        continue;
      }
      for (const step of shapes.getQuads(node, null, null, null)) stack.push(step.object);
    }
    if (stack.length) sliceable = false;
  }
  found = { sliceable, deep };
  analysed.set(shapes, found);
  return found;
}

/** One slice: the credentials whose nodes it validates, and those it holds for their references. */
export interface Slice {
  members: number[];
  context: number[];
}

/**
 * The slices of a set (each credential given as its quads, blank nodes already apart): credentials
 * in their order, at least `size` per slice unless the set ends, those sharing a named subject kept
 * together.
 */
export function sliceSet(graphs: Quad[][], shapes: SliceShapes, size: number): Slice[] {
  if (!shapes.sliceable || graphs.length <= size) return [{ members: graphs.map((_, i) => i), context: [] }];
  // Credentials that describe the same named node form one unit (union-find).
  const parent = graphs.map((_, i) => i);
  const root = (i: number): number => {
    while (parent[i] !== i) i = parent[i] = parent[parent[i]!]!;
    return i;
  };
  const describedBy = new Map<string, number>();
  graphs.forEach((quads, i) => {
    for (const q of quads) {
      if (q.subject.termType !== 'NamedNode') continue;
      const other = describedBy.get(q.subject.value);
      if (other === undefined) describedBy.set(q.subject.value, i);
      else if (root(other) !== root(i)) parent[Math.max(root(other), root(i))] = Math.min(root(other), root(i));
    }
  });
  const units = new Map<number, number[]>();
  graphs.forEach((_, i) => {
    const r = root(i);
    const unit = units.get(r);
    if (unit) unit.push(i);
    else units.set(r, [i]);
  });
  const slices: Slice[] = [];
  let current: number[] = [];
  for (const unit of units.values()) {
    current.push(...unit);
    if (current.length >= size) {
      slices.push({ members: current, context: [] });
      current = [];
    }
  }
  if (current.length) slices.push({ members: current, context: [] });
  if (!shapes.deep.size) return slices;
  for (const slice of slices) {
    const held = new Set(slice.members.map(root));
    const queue = [...slice.members];
    while (queue.length) {
      for (const q of graphs[queue.pop()!]!) {
        if (q.object.termType !== 'NamedNode' || !shapes.deep.has(q.predicate.value)) continue;
        const owner = describedBy.get(q.object.value);
        if (owner === undefined || held.has(root(owner))) continue;
        held.add(root(owner));
        const unit = units.get(root(owner))!;
        slice.context.push(...unit);
        queue.push(...unit);
      }
    }
  }
  return slices;
}
