// Runs in a fresh process so readiness and resident memory are those of a validating process
// alone: `node dist/bench/validate-worker.js compiled|full` prints one JSON line.
import jsonld from 'jsonld';
import { bundledContexts } from '../src/credentials/contexts.js';
import { createCanonizer } from '../src/credentials/canonize.js';
import { createDocumentLoader } from '../src/credentials/document-loader.js';
import { engineFor, validateCredential } from '../src/validate/validate.js';
import { shapeSet } from '../src/validate/shapes.js';
import { measure } from './harness.js';
import { sampleLegalPerson } from '../test/helpers/samples.js';

const full = process.argv[2] === 'full';
const canonizer = createCanonizer(createDocumentLoader(bundledContexts().values()));
const credential = sampleLegalPerson();
await jsonld.expand(credential, { documentLoader: canonizer.documentLoader, safe: true });
const rssBefore = process.memoryUsage().rss;
const t0 = performance.now();
const set = await shapeSet('gaia-x-25.11', { full });
await engineFor(set);
const readyMs = performance.now() - t0;
const floorMs = await measure(
  () => jsonld.expand(credential, { documentLoader: canonizer.documentLoader, safe: true }),
  1500,
  300,
);
const perMs = await measure(
  async () => {
    const r = await validateCredential(credential, { canonizer, fullShapes: full });
    if (!r.conforms) throw new Error('bench credential does not conform');
  },
  1500,
  300,
);
global.gc?.();
const rss = process.memoryUsage().rss;
process.stdout.write(
  `${JSON.stringify({ compiled: set.compiled, quads: set.shapes.size, readyMs, floorMs, perMs, rssMB: rss / 1e6, rssBeforeMB: rssBefore / 1e6 })}\n`,
);
