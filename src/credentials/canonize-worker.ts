/**
 * JSON-LD → RDF (and RDFC-1.0) for large documents, in a worker thread the canonizer terminates at
 * its deadline: jsonld.js works synchronously for long stretches (node maps are quadratic in the
 * values of one property), so no in-process timer can interrupt it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import jsonld from 'jsonld';
import rdfCanonize from 'rdf-canonize';
import type { BundledContext } from './contexts.js';
import { contextReuse } from './context-reuse.js';
import { installFastContextClone } from './jsonld-clone.js';
import { installValueIndex } from './jsonld-values.js';
import { createDocumentLoader } from './document-loader.js';
import { describeError, findGatewayError } from '../core/errors.js';

export interface CanonizeJob {
  id: number;
  op: 'toRdf' | 'canonize';
  document: unknown;
  maxWorkFactor: number;
}

export type CanonizeAnswer = {
  id: number;
  dataset?: unknown;
  nquads?: string;
  error?: { message: string; code?: string };
};

const { contexts } = workerData as { contexts: BundledContext[] };
installFastContextClone();
installValueIndex();
const jsonldOptions = contextReuse(createDocumentLoader(contexts));

parentPort!.on('message', (job: CanonizeJob) => {
  void (async () => {
    try {
      const dataset = await jsonld.toRDF(
        job.document as object,
        { ...jsonldOptions(), safe: true, produceGeneralizedRdf: false } as never,
      );
      if (job.op === 'toRdf') return parentPort!.postMessage({ id: job.id, dataset } satisfies CanonizeAnswer);
      const nquads = (await rdfCanonize.canonize(dataset as never, {
        algorithm: 'RDFC-1.0',
        format: 'application/n-quads',
        maxWorkFactor: job.maxWorkFactor,
      })) as string;
      parentPort!.postMessage({ id: job.id, nquads } satisfies CanonizeAnswer);
    } catch (err) {
      const inner = findGatewayError(err);
      parentPort!.postMessage({
        id: job.id,
        error: { message: describeError(err), ...(inner ? { code: inner.code } : {}) },
      } satisfies CanonizeAnswer);
    }
  })();
});
