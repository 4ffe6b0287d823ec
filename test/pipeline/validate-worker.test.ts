// The validation worker thread: sets validated there give the same reports as in-process; a worker
// ended when idle does not take a newer worker's jobs with it (a run failed in CI with "validation
// worker exited (1) without an answer" when a set came while the idle worker was being terminated).
import t from 'tap';
import { defaultCanonizeLimits } from '../../src/credentials/canonize.js';
import { workerValidator } from '../../src/pipeline/validate-in-worker.js';

const member = {
  credential: {
    '@context': ['https://www.w3.org/ns/credentials/v2', 'https://w3id.org/gaia-x/development#'],
    type: ['VerifiableCredential'],
    id: 'https://p.example/credentials/25.11/issuer/v/1',
    issuer: 'did:web:p.example',
    validFrom: '2026-01-01T00:00:00Z',
    credentialSubject: { id: 'https://p.example/gx/issuer', type: 'Issuer' },
  },
};

t.test('a set that comes while the idle worker is being ended is answered by a new one', async (t) => {
  const validate = workerValidator({ localContexts: [], limits: defaultCanonizeLimits }, 0);
  t.teardown(() => validate.close());
  const opts = { profile: 'gaia-x-25.11' as const, strict: false };
  const first = await validate([member], opts);
  t.equal(first.length, 1, 'one report');
  t.ok(
    first[0]!.results.some((r) => r.severity === 'violation'),
    'the issuer lacks its terms hash: a violation, from the worker',
  );
  for (let i = 0; i < 2; i++) {
    // The idle timer (0 ms) has fired and the worker is terminating when the next set comes.
    await new Promise((r) => setTimeout(r, 2));
    const again = await validate([member], opts);
    t.same(again, first, `set ${i + 2} answered`);
  }
});
