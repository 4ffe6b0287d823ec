import t from 'tap';
import { bundledContexts } from '../../src/credentials/contexts.js';
import { createCanonizer } from '../../src/credentials/canonize.js';
import { createDocumentLoader } from '../../src/credentials/document-loader.js';
import { validateCredential } from '../../src/validate/validate.js';
import { renderReport, type ValidationResult } from '../../src/validate/report.js';
import { shapeSet } from '../../src/validate/shapes.js';
import { rdfValidateShacl } from '../helpers/rdf-validate-shacl.js';
import { sampleLegalPerson } from '../helpers/samples.js';
import { BIN } from '../helpers/root.js';

const canonizer = createCanonizer(createDocumentLoader(bundledContexts().values()));
const base = 'https://provider.example';
type Doc = Record<string, unknown> & { credentialSubject: Record<string, unknown> };

const legalPerson = (): Doc => sampleLegalPerson(base) as Doc;

function tagusParticipant(): Doc {
  return {
    '@context': [
      'https://www.w3.org/2018/credentials/v1',
      'https://w3id.org/security/suites/jws-2020/v1',
      'https://registry.lab.gaia-x.eu/development/api/trusted-shape-registry/v1/shapes/jsonld/trustframework#',
    ],
    type: ['VerifiableCredential'],
    id: `${base}/credentials/participant`,
    issuer: 'did:web:provider.example',
    issuanceDate: '2026-01-15T10:00:00Z',
    credentialSubject: {
      id: `${base}/participant#subject`,
      type: 'gx:LegalParticipant',
      'gx:legalName': 'Example Cloud GmbH',
      'gx:legalRegistrationNumber': { id: `${base}/registration-number#subject`, 'gx:vatID': 'DE123456789' },
      'gx:headquarterAddress': { 'gx:countrySubdivisionCode': 'DE-BE' },
      'gx:legalAddress': { 'gx:countrySubdivisionCode': 'DE-BE' },
    },
  };
}

const key = (r: ValidationResult) =>
  `${r.focusNode.startsWith('_:') ? '_:' : r.focusNode} ${r.path ?? ''} ${r.constraint} ${r.value ?? ''}`;
const shacl = (rs: ValidationResult[]) =>
  rs
    .filter((r) => r.kind === 'shacl')
    .map(key)
    .sort();

const cases: [string, () => Doc, RegExp[]][] = [
  ['a valid 25.11 LegalPerson', legalPerson, []],
  [
    'without the required legalAddress',
    () => {
      const d = legalPerson();
      delete d.credentialSubject.legalAddress;
      return d;
    },
    [/legalAddress .*MinCountConstraintComponent/],
  ],
  [
    'with a bad country code',
    () => {
      const d = legalPerson();
      (d.credentialSubject.headquartersAddress as Record<string, unknown>).countryCode = 'XX';
      return d;
    },
    [/countryCode .*OrConstraintComponent XX/],
  ],
  [
    'with a wrong datatype',
    () => {
      const d = legalPerson();
      (d.credentialSubject.registrationNumber as Record<string, unknown>).vatID = 123456789;
      return d;
    },
    [/vatID .*DatatypeConstraintComponent 123456789/],
  ],
  [
    'with a gx type on the envelope (closed shapes)',
    () => ({ ...legalPerson(), type: ['VerifiableCredential', 'LegalPerson'] }),
    [/ClosedConstraintComponent/],
  ],
  [
    'with a predicate the closed shape does not allow',
    () => {
      const d = legalPerson();
      d.credentialSubject.legalName = 'not in 25.11';
      return d;
    },
    [/legalName .*ClosedConstraintComponent/],
  ],
  ['a valid Tagus 22.10 participant', tagusParticipant, []],
  [
    'a Tagus participant without headquarter address',
    () => {
      const d = tagusParticipant();
      delete d.credentialSubject['gx:headquarterAddress'];
      return d;
    },
    [/headquarterAddress .*MinCountConstraintComponent/],
  ],
];

for (const [name, make, expected] of cases) {
  t.test(name, async (t) => {
    const report = await validateCredential(make(), { canonizer });
    t.equal(report.conforms, expected.length === 0, renderReport(report));
    const keys = shacl(report.results);
    for (const e of expected)
      t.ok(
        keys.some((k) => e.test(k)),
        `reports ${e.source}`,
      );
    if (expected.length === 0) t.same(report.results, []);
    // Cross-check: rdf-validate-shacl must report exactly the same SHACL results.
    const other = await validateCredential(make(), {
      canonizer,
      engine: rdfValidateShacl(await shapeSet(report.profile as 'gaia-x-25.11' | 'tagus-22.10')),
    });
    t.same(shacl(other.results), keys, 'rdf-validate-shacl agrees with shacl-engine');
  });
}

t.test("sh:class gx:RegistrationNumber needs the ontology's subClassOf triples", async (t) => {
  const engine = rdfValidateShacl(await shapeSet('gaia-x-25.11'));
  const without = await validateCredential(legalPerson(), { canonizer, engine, mergeSubClassOf: false });
  t.match(
    shacl(without.results),
    [/registrationNumber .*ClassConstraintComponent/],
    'a VatID is not a RegistrationNumber without them',
  );
  const withIt = await validateCredential(legalPerson(), { canonizer, engine });
  t.ok(withIt.conforms);
});

t.test('the JSON form is checked against schemas/credential.schema.json', async (t) => {
  const { issuer: _i, ...noIssuer } = legalPerson();
  const r1 = await validateCredential(noIssuer as Doc, { canonizer });
  t.match(
    r1.results.filter((r) => r.kind === 'json-schema'),
    [{ constraint: 'required', message: /issuer/ }],
  );
  const r2 = await validateCredential({ ...tagusParticipant(), validFrom: '2026-01-01T00:00:00Z' }, { canonizer });
  t.notOk(r2.conforms, 'VC 1.1 credentials use issuanceDate, not validFrom');
  const r3 = await validateCredential({ ...legalPerson(), validFrom: 'yesterday' }, { canonizer });
  t.match(r3.results, [{ kind: 'json-schema', path: '/validFrom', constraint: 'format' }]);
  const r4 = await validateCredential(
    {
      ...legalPerson(),
      '@context': [
        'https://www.w3.org/ns/credentials/v2',
        'https://w3id.org/gaia-x/development#',
        'https://evil.example/ctx',
      ],
    },
    { canonizer },
  );
  t.match(r4.results, [{ constraint: 'json-ld', message: /evil\.example\/ctx" is not bundled/ }]);
  await t.rejects(
    validateCredential({ ...legalPerson(), '@context': ['https://www.w3.org/ns/credentials/v2'] }, { canonizer }),
    /no Gaia-X context/,
  );
});

t.test('strict mode fails on warnings', async (t) => {
  const { conforms } = await import('../../src/validate/report.js');
  const warning: ValidationResult = {
    kind: 'shacl',
    severity: 'warning',
    focusNode: 'x',
    constraint: 'c',
    message: 'm',
  };
  t.ok(conforms([warning], false));
  t.notOk(conforms([warning], true));
});

t.test('gx-gateway validate: files, folders, presentations, exit codes', async (t) => {
  const { spawnSync } = await import('node:child_process');
  const { mkdtempSync, rmSync, writeFileSync, mkdirSync } = await import('node:fs');
  const { tmpdir } = await import('node:os');
  const { join } = await import('node:path');
  const dir = mkdtempSync(join(tmpdir(), 'gxg-validate-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'good'));
  writeFileSync(join(dir, 'good', 'lp.json'), JSON.stringify(legalPerson()));
  writeFileSync(join(dir, 'good', 'participant.json'), JSON.stringify(tagusParticipant()));
  const bad = legalPerson();
  delete bad.credentialSubject.legalAddress;
  writeFileSync(join(dir, 'bad.json'), JSON.stringify(bad));
  writeFileSync(
    join(dir, 'vp.json'),
    JSON.stringify({
      '@context': ['https://www.w3.org/ns/credentials/v2'],
      type: ['VerifiablePresentation'],
      verifiableCredential: [legalPerson(), bad],
    }),
  );
  const cli = (...args: string[]) =>
    spawnSync(process.execPath, [BIN, ...args], {
      cwd: dir,
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: dir },
    });
  let r = cli('validate', 'good');
  t.equal(r.status, 0, r.stdout + r.stderr);
  t.match(
    r.stdout,
    /CONFORMS good\/lp\.json \(gaia-x-25\.11\)[\s\S]*CONFORMS good\/participant\.json \(tagus-22\.10\)/,
  );
  r = cli('validate', 'bad.json');
  t.equal(r.status, 1);
  t.match(
    r.stdout,
    /DOES NOT CONFORM bad\.json \(gaia-x-25\.11\): 1 violation[\s\S]*VIOLATION https:\/\/provider\.example\/legal-person#subject gx:legalAddress: Less than 1 values \[sh:MinCountConstraintComponent; gx:LegalPersonShape › gx:legalAddress\]/,
  );
  r = cli('validate', '--json', '--each', 'vp.json');
  t.equal(r.status, 1);
  const reports = JSON.parse(r.stdout) as { subject: string; conforms: boolean }[];
  t.same(
    reports.map((x) => [x.subject, x.conforms]),
    [
      ['vp.json#1', true],
      ['vp.json#2', false],
    ],
    '--each: a presentation is validated credential by credential',
  );
  r = cli('validate', '--json', 'vp.json');
  t.equal(r.status, 1);
  const merged = JSON.parse(r.stdout) as { subject: string; conforms: boolean; results: { message: string }[] }[];
  t.same(
    merged.map((x) => x.conforms),
    [false, false],
    'as one graph, two descriptions of one subject are one node: two addresses where one is allowed',
  );
  t.match(merged[0]!.results.map((x) => x.message).join('\n'), /More than 1 values/);
  r = cli('validate', '--profile', 'gaia-x-99', 'bad.json');
  t.equal(r.status, 2);
  t.match(r.stderr, /--profile must be one of gaia-x-25\.11, tagus-22\.10/);
  r = cli('validate', 'missing.json');
  t.equal(r.status, 2);
  t.match(r.stderr, /cannot read missing\.json/);
});
