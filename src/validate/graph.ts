import type { Quad, Term } from 'n3';

type TermLike = Term | string | null | undefined;

const keyOf = (t: Term): string => {
  switch (t.termType) {
    case 'NamedNode':
      return t.value;
    case 'BlankNode':
      return `_:${t.value}`;
    case 'Literal':
      return `"${t.value}"${t.language ? `@${t.language}` : `^^${t.datatype.value}`}`;
    case 'DefaultGraph':
      return '';
    default:
      return `?${t.value}`;
  }
};
const keyOfLike = (t: TermLike): string | undefined =>
  t === null || t === undefined ? undefined : typeof t === 'string' ? t : keyOf(t);

/** The quads a pattern matched: iterable, sized, and matchable again (what DatasetCore users need). */
class Matches implements Iterable<Quad> {
  constructor(private readonly quads: Quad[]) {}
  get size(): number {
    return this.quads.length;
  }
  [Symbol.iterator](): Iterator<Quad> {
    return this.quads[Symbol.iterator]();
  }
  match(s?: TermLike, p?: TermLike, o?: TermLike, g?: TermLike): Matches {
    return new Matches(filter(this.quads, s, p, o, g));
  }
  has(q: Quad): boolean {
    return this.quads.some((x) => x.equals(q));
  }
}

function filter(quads: Quad[], s?: TermLike, p?: TermLike, o?: TermLike, g?: TermLike): Quad[] {
  const [ks, kp, ko, kg] = [s, p, o, g].map(keyOfLike);
  if (ks === undefined && kp === undefined && ko === undefined && kg === undefined) return quads;
  return quads.filter(
    (q) =>
      (ks === undefined || keyOf(q.subject) === ks) &&
      (kp === undefined || q.predicate.value === kp) &&
      (ko === undefined || keyOf(q.object) === ko) &&
      (kg === undefined || keyOf(q.graph) === kg),
  );
}

/**
 * A read-only, compact RDF dataset (shapes graphs, and the data graphs validated): quads in arrays indexed by subject, predicate
 * and object. An N3 Store held ~2.7 KB per quad for the Gaia-X shapes (its three nested indexes of
 * dictionary objects); this holds the parsed quads and three maps, several times less, and answers
 * the DatasetCore `match` the SHACL engines use plus the N3-style lookups of this project.
 */
export class IndexedGraph implements Iterable<Quad> {
  private readonly all: Quad[];
  private readonly bySubject = new Map<string, Quad[]>();
  private readonly byPredicate = new Map<string, Quad[]>();
  private readonly byObject = new Map<string, Quad[]>();
  /**
   * Which nodes the shapes take as focus nodes (all targets when unset): a slice of a large set
   * holds other credentials' nodes only for its own nodes' references (see slices.ts).
   */
  focus?: (node: Term) => boolean;

  constructor(quads: Iterable<Quad>) {
    const seen = new Set<string>();
    this.all = [];
    for (const q of quads) {
      const k = `${keyOf(q.subject)} ${q.predicate.value} ${keyOf(q.object)} ${keyOf(q.graph)}`;
      if (seen.has(k)) continue;
      seen.add(k);
      this.all.push(q);
      push(this.bySubject, keyOf(q.subject), q);
      push(this.byPredicate, q.predicate.value, q);
      push(this.byObject, keyOf(q.object), q);
    }
  }

  get size(): number {
    return this.all.length;
  }

  [Symbol.iterator](): Iterator<Quad> {
    return this.all[Symbol.iterator]();
  }

  match(s?: TermLike, p?: TermLike, o?: TermLike, g?: TermLike): Matches {
    return new Matches(this.getQuads(s, p, o, g));
  }

  has(q: Quad): boolean {
    return (this.bySubject.get(keyOf(q.subject)) ?? []).some((x) => x.equals(q));
  }

  /** N3-style: quads matching a pattern (strings are IRIs). */
  getQuads(s?: TermLike, p?: TermLike, o?: TermLike, g?: TermLike): Quad[] {
    const ks = keyOfLike(s);
    const ko = keyOfLike(o);
    const kp = keyOfLike(p);
    // Start from the most selective index given.
    const base =
      ks !== undefined
        ? (this.bySubject.get(ks) ?? [])
        : ko !== undefined
          ? (this.byObject.get(ko) ?? [])
          : kp !== undefined
            ? (this.byPredicate.get(kp) ?? [])
            : this.all;
    return filter(base, s, p, o, g);
  }

  countQuads(s?: TermLike, p?: TermLike, o?: TermLike, g?: TermLike): number {
    return this.getQuads(s, p, o, g).length;
  }

  getSubjects(p?: TermLike, o?: TermLike, g?: TermLike): Term[] {
    return unique(this.getQuads(null, p, o, g).map((q) => q.subject));
  }

  getObjects(s?: TermLike, p?: TermLike, g?: TermLike): Term[] {
    return unique(this.getQuads(s, p, null, g).map((q) => q.object));
  }
}

function push(map: Map<string, Quad[]>, key: string, q: Quad): void {
  const list = map.get(key);
  if (list) list.push(q);
  else map.set(key, [q]);
}

function unique(terms: Term[]): Term[] {
  const seen = new Set<string>();
  return terms.filter((t) => {
    const k = keyOf(t);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
