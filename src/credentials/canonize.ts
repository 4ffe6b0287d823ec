import { Worker } from 'node:worker_threads';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import jsonld from 'jsonld';
import { contextReuse } from './context-reuse.js';
import { installFastContextClone } from './jsonld-clone.js';
import { installValueIndex } from './jsonld-values.js';
import rdfCanonize from 'rdf-canonize';
import type { BundledContext } from './contexts.js';
import type { CanonizeAnswer, CanonizeJob } from './canonize-worker.js';
import type { DocumentLoader } from './document-loader.js';
import { GatewayError, describeError, findGatewayError, isErrorCode } from '../core/errors.js';
import { packageRoot } from '../paths.js';

export interface CanonizeLimits {
  /** Wall-clock budget for JSON-LD expansion and RDF canonicalization of one document, together. */
  timeoutMs: number;
  /** rdf-canonize's bound on blank-node hashing work (1 = linear-ish; 0 = no deep iterations). */
  maxWorkFactor: number;
  /** Largest JSON text accepted for signing or verification, in bytes. */
  maxDocumentBytes: number;
  /** Most JSON objects and arrays in one document. */
  maxNodes?: number;
  /** Most bytes of inline (embedded) `@context` definitions in one document, together. */
  maxInlineContextBytes?: number;
  /** Deepest nesting of objects and arrays. */
  maxDepth?: number;
}

export const defaultCanonizeLimits: CanonizeLimits = {
  timeoutMs: 5_000,
  maxWorkFactor: 1,
  maxDocumentBytes: 4 * 1024 * 1024,
  maxNodes: 50_000,
  maxInlineContextBytes: 64 * 1024,
  maxDepth: 64,
};

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
   * The document's RDF dataset (safe mode), within the same bounds and deadline. The last few are
   * remembered by content, so validating a credential and then signing it expands it once. Treat
   * the result as read-only.
   */
  toRdf(document: unknown): Promise<RdfDataset>;
  readonly limits: CanonizeLimits;
  readonly documentLoader: DocumentLoader;
  /** Stop the worker thread, if one was started. */
  close(): Promise<void>;
}

/** Documents up to this size (JSON) are remembered; up to this many. */
const MEMO_MAX_BYTES = 64 * 1024;
const MEMO_ENTRIES = 32;
/**
 * Larger documents are expanded in a worker thread that is terminated at the deadline. Below it the
 * node cap keeps jsonld's worst case (quadratic in the values of one property) far under the budget,
 * and the deadline is checked between the steps.
 */
export const WORKER_THRESHOLD_BYTES = 64 * 1024;

function boundError(message: string, cause?: unknown): GatewayError {
  return new GatewayError(
    `canonicalization stopped: the document exceeds the work bound (${message}); ` +
      'it is probably hostile or pathological (many nodes, contexts or interlinked blank nodes)',
    'canonize-bound',
    cause === undefined ? undefined : { cause },
  );
}

interface QueuedJob {
  job: CanonizeJob;
  timeoutMs: number;
  resolve: (a: CanonizeAnswer) => void;
  reject: (e: Error) => void;
}

/**
 * One worker thread, started on first use, killed (and started again for the next job) when a job
 * overruns. Jobs run one at a time and each one's budget starts when the thread takes it: a large
 * document queued behind another is not charged for the other's time, and a job killed at its
 * deadline takes no other job with it.
 */
class CanonizeWorker {
  private worker: Worker | undefined;
  private next = 1;
  private readonly queue: QueuedJob[] = [];
  private current: (QueuedJob & { timer: NodeJS.Timeout }) | undefined;

  constructor(
    private readonly contexts: BundledContext[],
    private readonly script: string,
  ) {}

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.script, {
      workerData: { contexts: this.contexts },
      resourceLimits: { maxOldGenerationSizeMb: 1024 },
    });
    worker.unref();
    worker.on('message', (answer: CanonizeAnswer) => {
      const job = this.current;
      if (!job || job.job.id !== answer.id) return;
      this.settle(job);
      job.resolve(answer);
    });
    // Only the current worker's end fails its job: a worker ended at a deadline has failed its job
    // already, and its late exit must not touch the job of the one that replaced it.
    worker.on('error', (err) => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.failCurrent(err);
    });
    worker.on('exit', () => {
      if (this.worker !== worker) return;
      this.worker = undefined;
      this.failCurrent(new Error('the canonicalization worker stopped'));
    });
    this.worker = worker;
    return worker;
  }

  /** The current job is done (answered or failed): the next one starts. */
  private settle(job: QueuedJob & { timer: NodeJS.Timeout }): void {
    clearTimeout(job.timer);
    if (this.current === job) this.current = undefined;
    this.pump();
  }

  private failCurrent(err: Error): void {
    const job = this.current;
    if (!job) return;
    this.settle(job);
    job.reject(err);
  }

  private pump(): void {
    if (this.current || !this.queue.length) return;
    const queued = this.queue.shift()!;
    const worker = this.start();
    const timer = setTimeout(() => {
      // jsonld cannot be interrupted: end the thread at the deadline (the next job gets a new one).
      if (this.worker === worker) this.worker = undefined;
      void worker.terminate();
      const job = this.current!;
      this.settle(job);
      job.reject(boundError(`no result within the time budget of ${queued.timeoutMs} ms, jsonld.canonizeTimeoutMs`));
    }, queued.timeoutMs);
    this.current = { ...queued, timer };
    worker.postMessage(queued.job);
  }

  run(op: CanonizeJob['op'], document: unknown, maxWorkFactor: number, timeoutMs: number): Promise<CanonizeAnswer> {
    return new Promise((resolve, reject) => {
      this.queue.push({ job: { id: this.next++, op, document, maxWorkFactor }, timeoutMs, resolve, reject });
      this.pump();
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    const err = new Error('the canonicalizer was closed');
    for (const job of this.queue.splice(0)) job.reject(err);
    this.failCurrent(err);
    if (w) await w.terminate();
  }
}

function workerScript(): string | undefined {
  const file = join(packageRoot, 'dist', 'src', 'credentials', 'canonize-worker.js');
  return existsSync(file) ? file : undefined;
}

/**
 * The offline canonizer. `contexts` (the documents the loader serves) let large documents run in a
 * worker thread with a hard deadline; without them every document runs in-process.
 */
export function createCanonizer(
  documentLoader: DocumentLoader,
  limits: CanonizeLimits = defaultCanonizeLimits,
  contexts?: BundledContext[],
): Canonizer {
  const bounds = { ...defaultCanonizeLimits, ...limits };
  const script = contexts ? workerScript() : undefined;
  const worker = script && contexts ? new CanonizeWorker(contexts, script) : undefined;
  const memo = new Map<string, Promise<RdfDataset>>();
  const jsonldOptions = contextReuse(documentLoader);
  installFastContextClone();
  installValueIndex();

  /** A jsonld or rdf-canonize failure as the operator should read it (in-process or from the worker). */
  const failure = (message: string, cause?: unknown): GatewayError =>
    /abort|work factor|deep iterations|exceeded/i.test(message)
      ? boundError(message, cause)
      : new GatewayError(
          `the document is not valid JSON-LD for signing: ${message}`,
          'invalid-jsonld',
          cause === undefined ? undefined : { cause },
        );
  const translate = (err: unknown, deadline: number): GatewayError => {
    const inner = findGatewayError(err);
    if (inner) return inner;
    const message = describeError(err);
    if (performance.now() > deadline)
      return boundError(`${message}; over the time budget of ${bounds.timeoutMs} ms, jsonld.canonizeTimeoutMs`, err);
    return failure(message, err);
  };
  const answerOf = (answer: CanonizeAnswer): CanonizeAnswer => {
    if (!answer.error) return answer;
    if (isErrorCode(answer.error.code)) throw new GatewayError(answer.error.message, answer.error.code);
    throw failure(answer.error.message);
  };
  const checkDeadline = (deadline: number, step: string) => {
    if (performance.now() > deadline)
      throw boundError(`${step} passed the time budget of ${bounds.timeoutMs} ms, jsonld.canonizeTimeoutMs`);
  };

  const toRdfUncached = async (document: unknown, size: number): Promise<RdfDataset> => {
    if (worker && size > WORKER_THRESHOLD_BYTES) {
      return answerOf(await worker.run('toRdf', document, bounds.maxWorkFactor, bounds.timeoutMs))
        .dataset as RdfDataset;
    }
    const deadline = performance.now() + bounds.timeoutMs;
    try {
      const dataset = (await jsonld.toRDF(
        document as object,
        { ...jsonldOptions(), safe: true, produceGeneralizedRdf: false } as never,
      )) as unknown as RdfDataset;
      checkDeadline(deadline, 'JSON-LD expansion');
      return dataset;
    } catch (err) {
      throw translate(err, deadline);
    }
  };
  /** toRdf of a document already measured (bounds walked, JSON text known): nothing is done twice. */
  const toRdfMeasured = async (document: unknown, { size, json }: Measured): Promise<RdfDataset> => {
    const key = json === undefined || size > MEMO_MAX_BYTES ? undefined : json;
    if (key === undefined) return toRdfUncached(document, size);
    const hit = memo.get(key);
    if (hit) {
      memo.delete(key);
      memo.set(key, hit);
      return hit;
    }
    const result = toRdfUncached(document, size);
    memo.set(key, result);
    result.catch(() => memo.delete(key));
    if (memo.size > MEMO_ENTRIES) memo.delete(memo.keys().next().value!);
    return result;
  };
  return {
    limits: bounds,
    documentLoader,
    toRdf: (document) => toRdfMeasured(document, measure(document, bounds)),
    async canonize(document: unknown): Promise<string> {
      const measured = measure(document, bounds);
      if (worker && measured.size > WORKER_THRESHOLD_BYTES) {
        return answerOf(await worker.run('canonize', document, bounds.maxWorkFactor, bounds.timeoutMs)).nquads!;
      }
      const deadline = performance.now() + bounds.timeoutMs;
      const dataset = await toRdfMeasured(document, measured);
      checkDeadline(deadline, 'JSON-LD expansion');
      const signal = AbortSignal.timeout(Math.max(1, Math.ceil(deadline - performance.now())));
      try {
        return (await rdfCanonize.canonize(dataset, {
          algorithm: 'RDFC-1.0',
          format: 'application/n-quads',
          maxWorkFactor: bounds.maxWorkFactor,
          signal,
        })) as string;
      } catch (err) {
        if (signal.aborted)
          throw boundError(
            `RDF canonicalization passed the time budget of ${bounds.timeoutMs} ms, jsonld.canonizeTimeoutMs`,
            err,
          );
        throw translate(err, deadline);
      }
    },
    close: () => worker?.close() ?? Promise.resolve(),
  };
}

/**
 * Refuse a document over the size, node, depth or inline-context bounds before any JSON-LD work.
 * Returns its size in bytes (as JSON).
 */
export function assertBounds(document: unknown, limits: CanonizeLimits): number {
  return measure(document, limits).size;
}

/** A document's size in bytes and, for an object, its JSON text (the memo key). */
interface Measured {
  size: number;
  json?: string;
}

function measure(document: unknown, limits: CanonizeLimits): Measured {
  if (typeof document === 'string') {
    const size = Buffer.byteLength(document);
    if (size > limits.maxDocumentBytes) throw tooLarge(size, limits);
    return { size };
  }
  // Walk first (iteratively): JSON.stringify recurses and would overflow on hostile nesting.
  if (typeof document === 'object' && document !== null) walkBounds(document, limits);
  const json = JSON.stringify(document) ?? '';
  const size = Buffer.byteLength(json);
  if (size > limits.maxDocumentBytes) throw tooLarge(size, limits);
  return { size, json };
}

function tooLarge(size: number, limits: CanonizeLimits): GatewayError {
  return new GatewayError(
    `document is ${size} bytes, more than the limit of ${limits.maxDocumentBytes} (jsonld.maxDocumentBytes)`,
    'too-large',
  );
}

function walkBounds(document: object, limits: CanonizeLimits): void {
  const maxNodes = limits.maxNodes ?? Infinity;
  const maxDepth = limits.maxDepth ?? Infinity;
  const maxContext = limits.maxInlineContextBytes ?? Infinity;
  let nodes = 0;
  let contextBytes = 0;
  const stack: [unknown, number][] = [[document, 1]];
  while (stack.length) {
    const [value, depth] = stack.pop()!;
    if (!value || typeof value !== 'object') continue;
    if (++nodes > maxNodes)
      throw new GatewayError(
        `document has more than ${maxNodes} JSON objects and arrays (jsonld.maxNodes)`,
        'too-large',
      );
    if (depth > maxDepth)
      throw new GatewayError(`document is nested more than ${maxDepth} levels deep (jsonld.maxDepth)`, 'too-large');
    if (Array.isArray(value)) {
      for (const v of value) stack.push([v, depth + 1]);
      continue;
    }
    for (const [k, v] of Object.entries(value)) {
      if (k === '@context') {
        for (const c of Array.isArray(v) ? v : [v]) {
          if (c && typeof c === 'object') {
            walkBounds(c as object, { ...limits, maxInlineContextBytes: Infinity });
            contextBytes += JSON.stringify(c).length;
          }
        }
        if (contextBytes > maxContext) {
          throw new GatewayError(
            `document embeds more than ${maxContext} bytes of inline @context definitions (jsonld.maxInlineContextBytes)`,
            'too-large',
          );
        }
      }
      stack.push([v, depth + 1]);
    }
  }
}
