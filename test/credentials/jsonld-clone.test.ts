// The faster active-context copies (src/credentials/jsonld-clone.ts) and the node map's value index
// (src/credentials/jsonld-values.ts) change jsonld.js's internals:
// the N-Quads and canonical forms they give must be exactly those of an unpatched jsonld.js. The
// reference is computed in a child process that never loads the patch; the corpus is the demo
// cloud's credentials of both profiles (the Gaia-X contexts' type-scoped terms) and documents made
// to exercise each path the patch touches: type-scoped contexts that do and do not propagate,
// reverting to the previous context in nested and referenced nodes, property-scoped and
// @type-container contexts, protected terms, and a context nullified inside a document.
import t from 'tap';
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import jsonld from 'jsonld';
import rdfCanonize from 'rdf-canonize';
import { bundledContexts } from '../../src/credentials/contexts.js';
import { contextReuse } from '../../src/credentials/context-reuse.js';
import { createDocumentLoader } from '../../src/credentials/document-loader.js';
import { installFastContextClone } from '../../src/credentials/jsonld-clone.js';
import { installValueIndex } from '../../src/credentials/jsonld-values.js';
import { describe } from '../../src/describe/describe.js';
import { loadConfig } from '../../src/config/load.js';
import type { ProviderConfig } from '../../src/config/schema.js';
import { demoInventory } from '../helpers/demo-inventory.js';
import { fromRoot } from '../helpers/root.js';

const scoped = {
  '@context': {
    '@version': 1.1,
    ex: 'https://example.org/ns#',
    name: 'ex:name',
    Outer: {
      '@id': 'ex:Outer',
      '@context': { name: 'ex:outerName', inner: { '@id': 'ex:inner' }, label: 'ex:outerLabel' },
    },
    Sticky: { '@id': 'ex:Sticky', '@context': { '@propagate': true, name: 'ex:stickyName' } },
    Locked: { '@id': 'ex:Locked', '@context': { '@protected': true, code: 'ex:code' } },
    byType: { '@id': 'ex:byType', '@container': '@type' },
    prop: { '@id': 'ex:prop', '@context': { name: 'ex:propName' } },
    Reset: { '@id': 'ex:Reset', '@context': [null, { name: 'https://other.example/name' }] },
  },
  '@graph': [
    {
      '@id': 'ex:a',
      '@type': 'Outer',
      name: 'outer',
      inner: { '@id': 'ex:b', name: 'reverted in a nested node', label: 'not defined any more' },
    },
    { '@id': 'ex:c', '@type': ['Outer', 'Sticky'], inner: { name: 'both' } },
    { '@id': 'ex:c2', '@type': 'Sticky', 'ex:child': { name: 'deeper', 'ex:child': { name: 'deepest' } } },
    { '@id': 'ex:d', '@type': 'Locked', code: 'x', prop: { name: 'property-scoped' } },
    { '@id': 'ex:e', byType: { Outer: { '@id': 'ex:f', name: 'in a type map' } } },
    { '@id': 'ex:g', '@type': 'Outer', inner: { '@id': 'ex:h' } },
    { '@id': 'ex:i', '@type': 'Reset', name: 'a nullified context' },
    { '@id': 'ex:j', name: 'after all of them' },
  ],
};

// Long arrays of one property's values, duplicates of every kind among them: the node map's value
// index (src/credentials/jsonld-values.ts) must keep exactly the values jsonld.js keeps.
const many = (n: number, f: (i: number) => unknown) => Array.from({ length: n }, (_, i) => f(i));
const values = {
  '@context': { ex: 'https://example.org/ns#', xsd: 'http://www.w3.org/2001/XMLSchema#' },
  '@graph': [
    {
      '@id': 'ex:many',
      'ex:ref': [...many(40, (i) => ({ '@id': `ex:n${i % 30}` })), { '@id': 'ex:n3', 'ex:name': 'embedded' }],
      'ex:text': many(50, (i) => `t${i % 20}`),
      'ex:typed': many(40, (i) =>
        i % 3 === 0
          ? { '@value': `${i % 10}`, '@type': 'xsd:string' }
          : i % 3 === 1
            ? { '@value': `${i % 10}`, '@type': 'xsd:token' }
            : { '@value': `${i % 10}`, '@language': i % 2 ? 'en' : 'de' },
      ),
      'ex:scalar': many(40, (i) => [i % 7, String(i % 7), i % 2 === 0, 1.5, -0, 0][i % 6]),
      'ex:blank': many(30, (i) => ({ '@id': `_:b${i % 12}`, 'ex:v': i % 12 })),
      'ex:list': many(20, (i) => ({ '@list': [i % 4, 'x'] })),
      'ex:mixed': [
        ...many(20, (i) => ({ '@id': `ex:m${i % 5}` })),
        ...many(20, (i) => ({ '@value': `ex:m${i % 5}` })),
        ...many(20, (i) => `ex:m${i % 5}`),
      ],
    },
    ...many(20, (i) => ({
      '@id': `ex:r${i}`,
      '@reverse': { 'ex:owns': [{ '@id': 'ex:many' }, { '@id': 'ex:many' }] },
    })),
  ],
};

t.test('N-Quads and canonical forms are those of an unpatched jsonld.js', async (t) => {
  const inventory = await demoInventory();
  const corpus: unknown[] = [scoped, values];
  for (const profile of ['gaia-x-25.11', 'tagus-22.10'] as const)
    corpus.push(
      ...describe(inventory, profile, {
        provider: loadConfig({ env: {}, cwd: '/nonexistent-dir' }).config.provider as ProviderConfig,
        baseUrl: 'https://provider.example',
        issuer: 'did:web:provider.example',
        issued: '2026-12-01T00:00:00Z',
      }).credentials.map((c) => c.credential),
    );
  t.ok(corpus.length > 40, `${corpus.length} documents`);
  const dir = mkdtempSync(join(tmpdir(), 'gxg-jsonld-clone-'));
  const input = join(dir, 'corpus.json');
  writeFileSync(input, JSON.stringify(corpus));
  const contexts = [...bundledContexts().values()];
  writeFileSync(join(dir, 'contexts.json'), JSON.stringify(contexts));
  // The reference: plain jsonld.js, the same loader, in a process that never loads the patch.
  const script = `
    import { readFileSync } from 'node:fs';
    import jsonld from 'jsonld';
    import rdfCanonize from 'rdf-canonize';
    const corpus = JSON.parse(readFileSync(${JSON.stringify(input)}, 'utf8'));
    const byUrl = new Map(JSON.parse(readFileSync(${JSON.stringify(join(dir, 'contexts.json'))}, 'utf8')).map((c) => [c.url, c.document]));
    const documentLoader = async (url) => {
      const bare = url.split('#')[0];
      const document = byUrl.get(url) ?? byUrl.get(bare) ?? byUrl.get(bare + '#');
      if (!document) throw new Error('unknown context ' + url);
      return { contextUrl: null, documentUrl: url, document };
    };
    const out = [];
    for (const doc of corpus) {
      const dataset = await jsonld.toRDF(doc, { documentLoader, safe: false });
      out.push(dataset.length + ' ' + await rdfCanonize.canonize(dataset, { algorithm: 'RDFC-1.0', format: 'application/n-quads' }));
    }
    process.stdout.write(JSON.stringify(out));
  `;
  const reference = JSON.parse(
    execFileSync(process.execPath, ['--input-type=module', '-e', script], { cwd: fromRoot('.'), encoding: 'utf8' }),
  ) as string[];

  installFastContextClone();
  installValueIndex();
  const options = contextReuse(createDocumentLoader(contexts));
  const ours: string[] = [];
  for (const doc of corpus) {
    const dataset = await jsonld.toRDF(doc, { ...options(), safe: false });
    ours.push(
      `${(dataset as unknown[]).length} ${
        (await rdfCanonize.canonize(dataset as never, {
          algorithm: 'RDFC-1.0',
          format: 'application/n-quads',
        })) as string
      }`,
    );
  }
  t.equal(ours.length, reference.length);
  const differ = ours.flatMap((q, i) => (q === reference[i] ? [] : [i]));
  t.same(differ, [], 'every document gives the same canonical N-Quads');
  t.match(reference[1], /^\d+ /);
  t.match(
    reference[1],
    /<https:\/\/example.org\/ns#many> <https:\/\/example.org\/ns#text> "t19"/,
    'long arrays of values',
  );
  t.match(reference[0], /outerName/, 'the type-scoped term applied');
  t.match(
    reference[0],
    /<https:\/\/example.org\/ns#b> <https:\/\/example.org\/ns#name> "reverted/,
    'and reverted below',
  );
  t.match(reference[0], /stickyName> "deepest"/, 'a propagated context reaches deeper nodes');
  t.match(reference[0], /propName> "property-scoped"/);
  t.match(reference[0], /other.example\/name> "a nullified context"/);
  t.ok(
    reference.slice(1).every((q) => q.split('\n').length > 5),
    'the credentials expand to quads',
  );
});
