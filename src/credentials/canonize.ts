import jsonld from 'jsonld';
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

export interface Canonizer {
  /** RDFC-1.0 (URDNA2015) N-Quads of a JSON-LD document, in safe mode (undefined terms are errors). */
  canonize(document: unknown): Promise<string>;
  readonly limits: CanonizeLimits;
  readonly documentLoader: DocumentLoader;
}

export function createCanonizer(documentLoader: DocumentLoader, limits: CanonizeLimits = defaultCanonizeLimits): Canonizer {
  return {
    limits,
    documentLoader,
    async canonize(document: unknown): Promise<string> {
      assertSize(document, limits.maxDocumentBytes);
      const signal = AbortSignal.timeout(limits.timeoutMs);
      try {
        return await jsonld.canonize(document, {
          algorithm: 'RDFC-1.0',
          format: 'application/n-quads',
          documentLoader,
          safe: true,
          canonizeOptions: { algorithm: 'RDFC-1.0', maxWorkFactor: limits.maxWorkFactor, signal },
        });
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
