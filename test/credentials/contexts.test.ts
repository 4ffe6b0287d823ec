import t from 'tap';
import { bundledContexts, CONTEXTS } from '../../src/credentials/contexts.js';
import { createDocumentLoader } from '../../src/credentials/document-loader.js';
import { createCanonizer } from '../../src/credentials/canonize.js';
import { loireCredential, tagusCredential, tempGateway } from '../helpers/gateway.js';

const loader = createDocumentLoader(bundledContexts().values());

t.test('every context the gateway emits or accepts is bundled', async (t) => {
  const required = [
    CONTEXTS.credentialsV1,
    CONTEXTS.credentialsV2,
    CONTEXTS.didV1,
    CONTEXTS.securityV1,
    CONTEXTS.securityV2,
    CONTEXTS.jws2020,
    CONTEXTS.ed25519_2020,
    'https://w3id.org/security/data-integrity/v1',
    CONTEXTS.dataIntegrityV2,
    CONTEXTS.multikeyV1,
    CONTEXTS.statusList2021,
    CONTEXTS.bitstringStatusList,
    CONTEXTS.gaiaX2511,
    CONTEXTS.tagus2210,
  ];
  for (const url of required) {
    const doc = (await loader(url)).document as Record<string, unknown>;
    t.ok(doc['@context'], `${url} has an @context`);
  }
  const gx = (await loader('https://w3id.org/gaia-x/development')).document as { '@context': Record<string, unknown> };
  t.equal(
    gx['@context'].gx,
    'https://w3id.org/gaia-x/development#',
    'Gaia-X URL with or without # resolves to the 25.11 context',
  );
});

t.test('an unknown context is an error that names the URL; nothing is fetched', async (t) => {
  const originalFetch = globalThis.fetch;
  let fetched = false;
  globalThis.fetch = (async () => {
    fetched = true;
    throw new Error('network');
  }) as typeof fetch;
  t.teardown(() => {
    globalThis.fetch = originalFetch;
  });
  await t.rejects(loader('https://example.org/evil-context.jsonld'), {
    code: 'unknown-context',
    message: /"https:\/\/example\.org\/evil-context\.jsonld" is not bundled .* jsonld\.localContexts/,
  });
  const canonizer = createCanonizer(loader);
  await t.rejects(canonizer.canonize({ '@context': 'https://example.org/evil-context.jsonld', a: 1 }), {
    code: 'unknown-context',
    message: /example\.org\/evil-context/,
  });
  t.notOk(fetched, 'no network access');

  const gw = tempGateway({});
  t.teardown(() => gw.cleanup());
  await gw.service.keys.create({ type: 'Ed25519' });
  const cred = {
    ...loireCredential(gw.service.did),
    '@context': ['https://www.w3.org/ns/credentials/v2', 'https://example.org/unknown/v1'],
  };
  for (const suite of ['jws2020', 'eddsa-rdfc-2022', 'vc-jose'] as const) {
    await t.rejects(
      gw.service.signCredential(cred, { suite }),
      /https:\/\/example\.org\/unknown\/v1" is not bundled/,
      `${suite} refuses to sign`,
    );
  }
  const report = await gw.service.verify({
    ...tagusCredential(gw.service.did),
    '@context': ['https://www.w3.org/2018/credentials/v1', 'https://example.org/unknown/v1'],
    proof: { type: 'JsonWebSignature2020', verificationMethod: `${gw.service.did}#x`, jws: 'e30..AA' },
  });
  t.notOk(report.valid);
});

t.test('local contexts from the configuration', async (t) => {
  const { writeFileSync } = await import('node:fs');
  const gw0 = tempGateway({});
  const file = `${gw0.dir}/ctx.json`;
  writeFileSync(file, JSON.stringify({ '@context': { ex: 'https://example.org/ns#', note: 'ex:note' } }));
  const gw = tempGateway({ jsonld: { localContexts: { 'https://example.org/ctx/v1': file } } });
  t.teardown(async () => {
    await gw.cleanup();
    await gw0.cleanup();
  });
  const nq = await gw.service.canonizer.canonize({
    '@context': 'https://example.org/ctx/v1',
    '@id': 'urn:x',
    note: 'hi',
  });
  t.equal(nq, '<urn:x> <https://example.org/ns#note> "hi" .\n');
  t.throws(
    () => tempGateway({ jsonld: { localContexts: { 'https://example.org/missing': '/nonexistent/ctx.json' } } }),
    /jsonld\.localContexts: cannot read \/nonexistent\/ctx\.json/,
  );
});

t.test('canonicalization work is bounded', async (t) => {
  const canonizer = createCanonizer(loader, { timeoutMs: 5000, maxWorkFactor: 1, maxDocumentBytes: 1_000_000 });
  // A clique of indistinguishable blank nodes: URDNA2015 would need n! work without a bound.
  const n = 30;
  const graph = Array.from({ length: n }, (_, i) => ({
    '@id': `_:b${i}`,
    'http://example.org/p': Array.from({ length: n }, (_, j) => ({ '@id': `_:b${j}` })).filter((_, j) => j !== i),
  }));
  const started = process.hrtime.bigint();
  await t.rejects(canonizer.canonize({ '@graph': graph }), { code: 'canonize-bound', message: /work bound/ });
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  t.ok(ms < 5000, 'stops well before the wall-clock budget');
  await t.rejects(canonizer.canonize({ '@id': 'urn:x', 'http://example.org/p': 'x'.repeat(1_100_000) }), {
    code: 'too-large',
    message: /more than the limit of 1000000 \(jsonld\.maxDocumentBytes\)/,
  });
  await t.rejects(
    canonizer.canonize({
      '@context': { '@vocab': 'http://example.org/' },
      '@id': 'urn:x',
      q: { '@value': 'x', '@type': 'not an iri' },
    }),
    { code: 'invalid-jsonld' },
  );
});
