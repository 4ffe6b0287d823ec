import t from 'tap';
import { DataFactory, Parser, type Quad } from 'n3';
import { loadConfig } from '../../src/config/load.js';
import type { ProviderConfig } from '../../src/config/schema.js';
import { bundledContexts } from '../../src/credentials/contexts.js';
import { createCanonizer } from '../../src/credentials/canonize.js';
import { createDocumentLoader } from '../../src/credentials/document-loader.js';
import type { JsonObject } from '../../src/credentials/suites/suite.js';
import { describe } from '../../src/describe/describe.js';
import { IndexedGraph } from '../../src/validate/graph.js';
import { shaclEngine } from '../../src/validate/shacl.js';
import { shapeSet, type ProfileId } from '../../src/validate/shapes.js';
import { sliceSet, sliceShapes } from '../../src/validate/slices.js';
import { validateCredentials } from '../../src/validate/validate.js';
import { demoInventory } from '../helpers/demo-inventory.js';
import { rdfValidateShacl } from '../helpers/rdf-validate-shacl.js';

// A large set is validated in slices (src/validate/slices.ts): the reports must be exactly those of
// the set validated as one graph, whatever the slices cut through.
const canonizer = createCanonizer(createDocumentLoader(bundledContexts().values()));
const provider = loadConfig({ env: {}, cwd: '/nonexistent-dir' }).config.provider as ProviderConfig;
const ctx = {
  provider,
  baseUrl: 'https://cloud.example',
  issuer: 'did:web:cloud.example',
  issued: '2026-11-24T00:00:00Z',
};
const inventory = await demoInventory();
const GX = 'https://w3id.org/gaia-x/development#';
const subjectType = (c: JsonObject) => String((c.credentialSubject as JsonObject).type);

t.test('the shapes say which references a slice must follow', async (t) => {
  const gx = sliceShapes((await shapeSet('gaia-x-25.11')).shapes);
  t.ok(gx.sliceable, 'Gaia-X 25.11: nothing looks at a node from the outside');
  t.ok(gx.deep.has('https://w3id.org/scs/gx-gateway#volumeType'), 'sh:node is followed');
  t.notOk(gx.deep.has(`${GX}providedBy`), 'sh:class needs only the type');
  t.notOk(gx.deep.has(`${GX}hostedOn`), 'an sh:or of classes needs only the type');
  const tagus = sliceShapes((await shapeSet('tagus-22.10')).shapes);
  t.ok(tagus.sliceable);
  for (const p of ['providedBy', 'legalRegistrationNumber', 'aggregationOf', 'dependsOn'])
    t.ok(
      tagus.deep.has(
        `https://registry.lab.gaia-x.eu/development/api/trusted-shape-registry/v1/shapes/jsonld/trustframework#${p}`,
      ),
      p,
    );

  const shapes = (ttl: string) =>
    sliceShapes(
      new IndexedGraph(
        new Parser().parse(`@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <https://ex.example/> .\n${ttl}`),
      ),
    );
  t.notOk(
    shapes('ex:S sh:targetClass ex:C ; sh:property [ sh:path [ sh:inversePath ex:p ] ; sh:minCount 1 ] .').sliceable,
    'inverse paths need the whole graph',
  );
  t.notOk(
    shapes('ex:S sh:targetObjectsOf ex:p ; sh:property [ sh:path ex:q ; sh:minCount 1 ] .').sliceable,
    'so do object targets',
  );
  const sequence = shapes('ex:S sh:targetClass ex:C ; sh:property [ sh:path ( ex:a ex:b ) ; sh:minCount 1 ] .');
  t.ok(sequence.sliceable);
  t.same(
    [...sequence.deep].sort(),
    ['https://ex.example/a', 'https://ex.example/b'],
    'each step of a path is followed',
  );
  const nested = shapes(
    'ex:S sh:targetClass ex:C ; sh:property [ sh:path ex:a ; sh:or ( [ sh:class ex:D ] [ sh:datatype ex:x ] ) ] ; sh:property [ sh:path ex:b ; sh:or ( [ sh:node ex:T ] [ sh:class ex:D ] ) ] ; sh:property [ sh:path ex:c ; sh:not [ sh:property [ sh:path ex:d ; sh:minCount 1 ] ] ] .',
  );
  t.same([...nested.deep].sort(), ['https://ex.example/b', 'https://ex.example/c'], 'inside sh:or and sh:not too');
});

t.test('slices keep a node with its describers and follow deep references', async (t) => {
  const n = (x: string) => DataFactory.namedNode(`https://ex.example/${x}`);
  const q = (s: string, p: string, o: string) => DataFactory.quad(n(s), n(p), n(o)) as Quad;
  const graphs = [
    [q('a', 'type', 'C'), q('a', 'deep', 'x')],
    [q('b', 'type', 'C'), q('b', 'shallow', 'y')],
    [q('x', 'type', 'X'), q('x', 'deep', 'z')],
    [q('y', 'type', 'Y')],
    [q('z', 'type', 'Z')],
    [q('b', 'extra', 'w')],
  ];
  const slices = sliceSet(graphs, { sliceable: true, deep: new Set(['https://ex.example/deep']) }, 1);
  t.same(
    slices.map((s) => [s.members, s.context.sort()]),
    [
      [[0], [2, 4]],
      [[1, 5], []],
      [[2], [4]],
      [[3], []],
      [[4], []],
    ],
    'b is described by two credentials (one slice); a reaches x and z',
  );
  t.same(sliceSet(graphs, { sliceable: false, deep: new Set() }, 1), [{ members: [0, 1, 2, 3, 4, 5], context: [] }]);
  t.same(sliceSet(graphs, { sliceable: true, deep: new Set() }, 10).length, 1, 'a small set is one slice');
});

t.test('the engine validates only the focus nodes a slice owns', async (t) => {
  const set = await shapeSet('gaia-x-25.11');
  const legalPerson = describe(inventory, 'gaia-x-25.11', ctx).credentials.find(
    (c) => subjectType(c.credential) === 'LegalPerson',
  )!;
  const credential = structuredClone(legalPerson.credential);
  delete (credential.credentialSubject as JsonObject).registrationNumber;
  const graph = () =>
    canonizer
      .toRdf(credential)
      .then((quads) => new IndexedGraph(quads.filter((x) => x.graph.termType === 'DefaultGraph') as Quad[]));
  const all = await shaclEngine(set).validate(await graph());
  t.ok(all.length > 0, 'the broken legal person is reported');
  const narrowed = await graph();
  narrowed.focus = () => false;
  t.same(await shaclEngine(set).validate(narrowed), [], 'not when it is only context');
});

/** Reports of a set as one graph and in slices of `size`, with each engine. */
async function both(creds: JsonObject[], profile: ProfileId, size: number, engine?: 'rdf-validate-shacl') {
  const opts = async () => ({
    canonizer,
    profile,
    ...(engine ? { engine: rdfValidateShacl(await shapeSet(profile)) } : {}),
  });
  const members = creds.map((credential) => ({ credential }));
  const whole = await validateCredentials(members, { ...(await opts()), sliceSize: Infinity });
  const sliced = await validateCredentials(members, { ...(await opts()), sliceSize: size });
  return { whole, sliced };
}

t.test('Gaia-X 25.11: the same report in slices, references across slices included', async (t) => {
  const creds = describe(inventory, 'gaia-x-25.11', ctx).credentials.map((c) => structuredClone(c.credential));
  t.ok(creds.length > 20, `${creds.length} credentials`);
  // The provider stops being a LegalPerson: every offering's providedBy (sh:class) fails, in
  // slices that hold the provider only as a type triple.
  const lp = creds.find((c) => subjectType(c) === 'LegalPerson')!;
  (lp.credentialSubject as JsonObject).type = 'DataResource';
  const image = creds.filter((c) => subjectType(c) === 'VMImage')[1]!;
  (image.credentialSubject as JsonObject).checksum = 'not a checksum object';
  for (const size of [1, 3, 7]) {
    const { whole, sliced } = await both(creds, 'gaia-x-25.11', size);
    t.same(sliced, whole, `slices of ${size}`);
    const failing = whole.filter((r) => !r.conforms);
    t.ok(failing.length >= 3, `${failing.length} credentials fail`);
    t.ok(
      whole.some((r) =>
        r.results.some((x) => x.constraint.endsWith('ClassConstraintComponent') && x.path === `${GX}providedBy`),
      ),
      'a reference to another credential is checked',
    );
  }
  const other = await both(creds, 'gaia-x-25.11', 2, 'rdf-validate-shacl');
  t.same(other.sliced, other.whole, 'an engine that validates every target: the slice keeps its own results');
});

t.test('Tagus 22.10: a reference the shapes follow (sh:node) brings its credential into the slice', async (t) => {
  const creds = describe(inventory, 'tagus-22.10', ctx).credentials.map((c) => structuredClone(c.credential));
  const valid = await both(creds, 'tagus-22.10', 1);
  t.ok(
    valid.sliced.every((r) => r.conforms),
    'the registration number travels with the participant: a slice holding only its type would fail it',
  );
  t.same(valid.sliced, valid.whole);
  // The participant's gx:legalRegistrationNumber must meet gx:legalRegistrationNumberShape (sh:node):
  // a number too short fails the number itself and, through the reference, the participant.
  const number = creds.find((c) => subjectType(c) === 'gx:legalRegistrationNumber')!;
  (number.credentialSubject as JsonObject)['gx:vatID'] = 'D';
  const participant = creds.find((c) => subjectType(c) === 'gx:LegalParticipant')!;
  t.ok(creds.indexOf(participant) < creds.indexOf(number), 'the participant comes first: its slice must reach ahead');
  for (const size of [1, 2]) {
    const { whole, sliced } = await both(creds, 'tagus-22.10', size);
    t.same(sliced, whole, `slices of ${size}`);
    const failing = whole.find((r) => r.results.some((x) => x.constraint.endsWith('NodeConstraintComponent')));
    t.equal(failing?.subject, participant.id, 'the participant fails through the number it references');
    t.ok(
      whole.find((r) => r.subject === number.id && !r.conforms),
      'and the number itself',
    );
  }
});
