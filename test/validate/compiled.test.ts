import t from 'tap';
import { existsSync, readFileSync } from 'node:fs';
import { loadConfig } from '../../src/config/load.js';
import type { ProviderConfig } from '../../src/config/schema.js';
import { bundledContexts } from '../../src/credentials/contexts.js';
import { createCanonizer } from '../../src/credentials/canonize.js';
import { createDocumentLoader } from '../../src/credentials/document-loader.js';
import type { JsonObject } from '../../src/credentials/suites/suite.js';
import { describe } from '../../src/describe/describe.js';
import { compiledShapesFile as compiledFile } from '../../src/validate/shapes.js';
import type { ValidationResult } from '../../src/validate/report.js';
import { shapeSet, type ProfileId } from '../../src/validate/shapes.js';
import { validateCredentials } from '../../src/validate/validate.js';
import { demoInventory } from '../helpers/demo-inventory.js';
import { sampleLegalPerson } from '../helpers/samples.js';
import { fromRoot } from '../helpers/root.js';

// The build compiles only the shapes reachable from the classes we emit (src/validate/compile.ts).
// On the test corpus it must report exactly what the full official shapes report.
const canonizer = createCanonizer(createDocumentLoader(bundledContexts().values()));
const provider = loadConfig({ env: {}, cwd: '/nonexistent-dir' }).config.provider as ProviderConfig;
const ctx = {
  provider,
  baseUrl: 'https://cloud.example',
  issuer: 'did:web:cloud.example',
  issued: '2026-11-24T00:00:00Z',
};
const inventory = await demoInventory();
const key = (r: ValidationResult) =>
  `${r.severity} ${r.focusNode.startsWith('_:') ? '_:' : r.focusNode} ${r.path ?? ''} ${r.constraint} ${r.value ?? ''}`;
const results = async (creds: JsonObject[], profile: ProfileId, fullShapes: boolean) =>
  (
    await validateCredentials(
      creds.map((credential) => ({ credential })),
      { canonizer, profile, fullShapes },
    )
  )
    .flatMap((r) => r.results.map(key))
    .sort();

t.ok(
  existsSync(compiledFile('gaia-x-25.11')) && existsSync(compiledFile('tagus-22.10')),
  'the build compiled both profiles',
);
const compiled = await shapeSet('gaia-x-25.11');
const full = await shapeSet('gaia-x-25.11', { full: true });
t.ok(compiled.compiled && !full.compiled);
t.ok(compiled.shapes.size < full.shapes.size / 3, `compiled ${compiled.shapes.size} quads of ${full.shapes.size}`);

const set25 = describe(inventory, 'gaia-x-25.11', ctx).credentials.map((c) => c.credential);
const set22 = describe(inventory, 'tagus-22.10', ctx).credentials.map((c) => c.credential);
const subjectOf = (list: JsonObject[], type: string) =>
  list.map((c) => c.credentialSubject as JsonObject).find((s) => s.type === type)!;
const mutations: [string, () => JsonObject[]][] = [
  ['the demo set', () => structuredClone(set25)],
  [
    'a flavor without cpu',
    () => {
      const l = structuredClone(set25);
      delete subjectOf(l, 'ServerFlavor').cpu;
      return l;
    },
  ],
  [
    'vCPUs of the wrong datatype',
    () => {
      const l = structuredClone(set25);
      (subjectOf(l, 'ServerFlavor').cpu as JsonObject).vCPUs = 'two';
      return l;
    },
  ],
  [
    'a bad country code',
    () => {
      const l = structuredClone(set25);
      (subjectOf(l, 'LegalPerson').legalAddress as JsonObject).countryCode = 'XX';
      return l;
    },
  ],
  [
    'an image without licence, an offering without terms',
    () => {
      const l = structuredClone(set25);
      delete subjectOf(l, 'VMImage').license;
      delete subjectOf(l, 'VirtualMachineServiceOffering').serviceOfferingTermsAndConditions;
      return l;
    },
  ],
  [
    'a bad enumeration value and a predicate the closed shape lacks',
    () => {
      const l = structuredClone(set25);
      subjectOf(l, 'VMImage').vmImageDiskFormat = 'floppy';
      subjectOf(l, 'Datacenter').provisionType = 'public';
      return l;
    },
  ],
  ['the sample LegalPerson alone', () => [sampleLegalPerson()]],
  [
    'the example credential',
    () => [JSON.parse(readFileSync(fromRoot('examples', 'loire-legal-person.json'), 'utf8')) as JsonObject],
  ],
];
// The first entry and the last two are valid as they are; every other one must be caught.
const valid = new Set(['the demo set', 'the sample LegalPerson alone', 'the example credential']);
for (const [name, make] of mutations) {
  t.test(`25.11: ${name}`, async (t) => {
    const creds = make();
    const a = await results(creds, 'gaia-x-25.11', false);
    const b = await results(creds, 'gaia-x-25.11', true);
    t.same(a, b, `compiled = full (${a.length} results)`);
    const violations = a.filter((r) => r.startsWith('violation')).length;
    if (valid.has(name)) t.equal(violations, 0, 'conforms');
    else t.ok(violations >= 1, `the mutation is caught (${violations} violations), by both shape sets`);
  });
}
t.test('tagus-22.10: the demo set and a participant alone', async (t) => {
  t.same(await results(set22, 'tagus-22.10', false), await results(set22, 'tagus-22.10', true));
  const alone = set22.filter((c) => (c.credentialSubject as JsonObject).type === 'gx:LegalParticipant');
  const a = await results(alone, 'tagus-22.10', false);
  t.ok(a.length > 0);
  t.same(a, await results(alone, 'tagus-22.10', true));
});

t.test('a class the compiled set leaves out falls back to the full shapes', async (t) => {
  t.notOk(
    compiled.covers(['https://w3id.org/gaia-x/development#BareMetalServiceOffering']),
    'gx:BareMetalServiceOffering is not covered',
  );
  t.ok(
    compiled.covers([
      'https://w3id.org/gaia-x/development#VMImage',
      'https://www.w3.org/2018/credentials#VerifiableCredential',
    ]),
  );
  const data: JsonObject = {
    '@context': ['https://www.w3.org/ns/credentials/v2', 'https://w3id.org/gaia-x/development#'],
    type: ['VerifiableCredential'],
    id: 'https://cloud.example/credentials/data',
    issuer: 'did:web:cloud.example',
    credentialSubject: { id: 'https://cloud.example/data', type: 'BareMetalServiceOffering', name: 'bare metal' },
  };
  const a = await results([data], 'gaia-x-25.11', false);
  t.ok(
    a.some((r) => r.includes('MinCountConstraintComponent')),
    'the full BareMetalServiceOffering shape reported its required fields',
  );
  t.same(a, await results([data], 'gaia-x-25.11', true));
});
