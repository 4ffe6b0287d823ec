import jsonld from 'jsonld';
import rdfCanonize from 'rdf-canonize';
import type { DocumentLoader } from './document-loader.js';
import { GatewayError, describeError, findGatewayError } from './errors.js';

export interface CanonizeLimits {
  /** Wall-clock budget for RDF canonicalization (the part that can blow up on hostile input). */
  timeoutMs: number;
  /** rdf-canonize's bound on blank-node hashing work (1 = linear-ish; 0 = no deep iterations). */
  maxWorkFactor: number;
  /** Largest JSON text accepted for signing or verification, in bytes. */
  maxDocumentBytes: number;
}

export const defaultCanonizeLimits: CanonizeLimits = { timeoutMs: 5_000, maxWorkFactor: 1, maxDocumentBytes: 4 * 1024 * 1024 };

/** An RDF dataset as jsonld.js and rdf-canonize hand it around (RDF/JS-shaped plain objects). */
export type RdfDataset = { subject: RdfTerm; predicate: RdfTerm; object: RdfTerm; graph: RdfTerm }[];
export interface RdfTerm {
  termType: string;
  value: string;
  datatype?: { termType: string; value: string };
  language?: string;
}

export interface Canonizer {
  /** RDFC-1.0 (URDNA2015) N-Quads of a JSON-LD document, in safe mode (undefined terms are errors). */
  canonize(document: unknown): Promise<string>;
  /**
   * The document's RDF dataset (safe mode). The last few are remembered by content, so validating
   * a credential and then signing it expands it once. Treat the result as read-only.
   */
  toRdf(document: unknown): Promise<RdfDataset>;
  readonly limits: CanonizeLimits;
  readonly documentLoader: DocumentLoader;
}

/** Documents up to this size (JSON) are remembered; up to this many. */
const MEMO_MAX_BYTES = 64 * 1024;
const MEMO_ENTRIES = 32;

export function createCanonizer(documentLoader: DocumentLoader, limits: CanonizeLimits = defaultCanonizeLimits): Canonizer {
  const memo = new Map<string, Promise<RdfDataset>>();
  const toRdfUncached = (document: unknown) =>
    jsonld.toRDF(document as object, { documentLoader, safe: true, produceGeneralizedRdf: false } as never) as unknown as Promise<RdfDataset>;
  const toRdf = (document: unknown): Promise<RdfDataset> => {
    const key = typeof document === 'string' ? undefined : JSON.stringify(document);
    if (key === undefined || key.length > MEMO_MAX_BYTES) return toRdfUncached(document);
    const hit = memo.get(key);
    if (hit) {
      memo.delete(key);
      memo.set(key, hit);
      return hit;
    }
    const result = toRdfUncached(document);
    memo.set(key, result);
    result.catch(() => memo.delete(key));
    if (memo.size > MEMO_ENTRIES) memo.delete(memo.keys().next().value!);
    return result;
  };
  return {
    limits,
    documentLoader,
    toRdf,
    async canonize(document: unknown): Promise<string> {
      assertSize(document, limits.maxDocumentBytes);
      const signal = AbortSignal.timeout(limits.timeoutMs);
      try {
        const dataset = await toRdf(document);
        return (await rdfCanonize.canonize(dataset, { algorithm: 'RDFC-1.0', format: 'application/n-quads', maxWorkFactor: limits.maxWorkFactor, signal })) as string;
      } catch (err) {
        const inner = findGatewayError(err);
        if (inner) throw inner;
        const message = describeError(err);
        if (signal.aborted || /abort|work factor|deep iterations|exceeded/i.test(message)) {
          throw new GatewayError(
            `canonicalization stopped: the document exceeds the work bound (${message}); ` +
              'it is probably hostile or pathological (many interlinked blank nodes)',
            'canonize-bound',
            { cause: err },
          );
        }
        throw new GatewayError(`the document is not valid JSON-LD for signing: ${message}`, 'invalid-jsonld', { cause: err });
      }
    },
  };
}

export function assertSize(document: unknown, maxBytes: number): void {
  const size = typeof document === 'string' ? Buffer.byteLength(document) : Buffer.byteLength(JSON.stringify(document) ?? '');
  if (size > maxBytes) {
    throw new GatewayError(`document is ${size} bytes, more than the limit of ${maxBytes} (jsonld.maxDocumentBytes)`, 'too-large');
  }
}
