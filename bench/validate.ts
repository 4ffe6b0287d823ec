// Validation: shapes ready (parse + validator), resident memory, and time per credential against
// JSON-LD expansion of the same credential (the floor) in the same run.
import jsonld from 'jsonld';
import { bundledContexts } from '../src/credentials/contexts.js';
import { createCanonizer } from '../src/credentials/canonize.js';
import { createDocumentLoader } from '../src/credentials/document-loader.js';
import { engineFor, validateCredential } from '../src/validate/validate.js';
import { shapeSet } from '../src/validate/shapes.js';
import { fmt, measure } from './harness.js';
import { sampleLegalPerson } from '../test/fakes/samples.js';

export async function benchValidate(): Promise<void> {
  console.log('\n== validation: Gaia-X 25.11 shapes (full official set), shacl-engine');
  const canonizer = createCanonizer(createDocumentLoader(bundledContexts().values()));
  const rssBefore = process.memoryUsage().rss;
  const t0 = performance.now();
  const set = await shapeSet('gaia-x-25.11');
  await engineFor('gaia-x-25.11');
  const ready = performance.now() - t0;
  const rss = process.memoryUsage().rss;
  console.log(`  shapes ready in ${ready.toFixed(0)} ms (${set.shapes.size} quads incl. subClassOf); resident ${(rss / 1e6).toFixed(0)} MB (+${((rss - rssBefore) / 1e6).toFixed(0)} MB)`);
  const credential = sampleLegalPerson();
  const floor = await measure(() => jsonld.expand(credential, { documentLoader: canonizer.documentLoader, safe: true }));
  const per = await measure(async () => {
    const r = await validateCredential(credential, { canonizer });
    if (!r.conforms) throw new Error('bench credential does not conform');
  });
  console.log(`  JSON-LD expansion alone (floor)       ${fmt(floor)}`);
  console.log(`  validate one LegalPerson credential   ${fmt(per)} ×${(per / floor).toFixed(1)} the floor`);
  console.log('  goals (issue 4): shapes ready ≤ 300 ms, ≤ 250 MB resident, ≤ 2 ms per credential — met only after compiling the reachable shapes at build time (not yet)');
}
