// Validation of sets in a worker thread: the shapes, the expansions and the SHACL engine's garbage
// live in the worker, which the main thread ends when idle, and the HTTP API keeps answering.
import { parentPort, workerData } from 'node:worker_threads';
import type { ProfileId } from '../core/ids.js';
import { createCanonizer, type CanonizeLimits } from '../credentials/canonize.js';
import { bundledContexts, type BundledContext } from '../credentials/contexts.js';
import { createDocumentLoader } from '../credentials/document-loader.js';
import { validateCredentials, type SetMember } from '../validate/validate.js';

interface Setup {
  localContexts: BundledContext[];
  limits: CanonizeLimits;
}
interface Job {
  id: number;
  members: SetMember[];
  profile: ProfileId;
  strict: boolean;
}

const setup = workerData as Setup;
const contexts = [...bundledContexts().values(), ...setup.localContexts];
const canonizer = createCanonizer(createDocumentLoader(contexts), setup.limits, contexts);
parentPort!.on('message', (job: Job) => {
  validateCredentials(job.members, { canonizer, profile: job.profile, strict: job.strict }).then(
    (reports) => parentPort!.postMessage({ id: job.id, ok: true, reports }),
    (err: Error & { code?: string }) =>
      parentPort!.postMessage({ id: job.id, ok: false, message: err.message, code: err.code ?? 'internal' }),
  );
});
