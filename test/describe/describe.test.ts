import t from 'tap';
import { DEMO_PROVIDER, loadConfig } from '../../src/config/load.js';
import type { ProviderConfig } from '../../src/config/schema.js';
import { bundledContexts } from '../../src/credentials/contexts.js';
import { createCanonizer } from '../../src/credentials/canonize.js';
import { createDocumentLoader } from '../../src/credentials/document-loader.js';
import type { JsonObject } from '../../src/credentials/suites/suite.js';
import { describe } from '../../src/describe/describe.js';
import { diffCredentials, renderDiff } from '../../src/describe/diff.js';
import type { DescribeContext, DescribedSet } from '../../src/describe/model.js';
import type { Inventory } from '../../src/inventory/model.js';
import { shapeSet, type ProfileId } from '../../src/validate/shapes.js';
import { validateCredentials } from '../../src/validate/validate.js';
import type { ValidationResult } from '../../src/validate/report.js';
import { demoInventory } from '../helpers/demo-inventory.js';
import { rdfValidateShacl } from '../helpers/rdf-validate-shacl.js';

const canonizer = createCanonizer(createDocumentLoader(bundledContexts().values()));
const provider = loadConfig({ env: {}, cwd: '/nonexistent-dir' }).config.provider as ProviderConfig;
const ctx: DescribeContext = {
  provider,
  baseUrl: 'https://cloud.example',
  issuer: 'did:web:cloud.example',
  issued: '2026-11-24T00:00:00Z',
};
const inventory = await demoInventory();
const clone = <T>(x: T): T => structuredClone(x);
const violations = async (set: DescribedSet | JsonObject[], profile: ProfileId) => {
  const creds = Array.isArray(set) ? set : set.credentials.map((c) => c.credential);
  const reports = await validateCredentials(
    creds.map((credential) => ({ credential })),
    { canonizer, profile },
  );
  return reports.flatMap((r) => r.results.filter((x) => x.severity === 'violation'));
};
const key = (r: ValidationResult) =>
  `${r.focusNode.startsWith('_:') ? '_:' : r.focusNode} ${r.path ?? ''} ${r.constraint} ${r.value ?? ''}`;
const subjects = (set: DescribedSet) => set.credentials.map((c) => c.credential.credentialSubject as JsonObject);
const typesOf = (set: DescribedSet) =>
  set.credentials.map((c) => `${String((c.credential.credentialSubject as JsonObject).type)}`);

t.test('the demo inventory gives 25.11 credentials that conform to the official shapes, cross-checked', async (t) => {
  const set = describe(inventory, 'gaia-x-25.11', ctx);
  t.same(set.warnings, [], 'the demo cloud has everything the shapes need');
  const types = new Set(typesOf(set));
  for (const type of [
    'LegalPerson',
    'VatID',
    'Issuer',
    'Region',
    'AvailabilityZone',
    'Datacenter',
    'ServerFlavor',
    'VMImage',
    'VirtualMachineServiceOffering',
    'BlockStorageServiceOffering',
    'NetworkConnectivityServiceOffering',
    'ContainerServiceOffering',
    'FlavorFacts',
    'ImageFacts',
    'ConformanceResult',
  ]) {
    t.ok(types.has(type), `has a ${type}`);
  }
  t.equal(
    set.credentials.filter((c) => c.kind === 'server-flavor').length,
    inventory.flavors.filter((f) => f.public && !f.disabled).length,
    'one ServerFlavor per public flavor',
  );
  const ours = await violations(set, 'gaia-x-25.11');
  t.same(ours.map(key), [], 'shacl-engine: no violation');
  const other = await validateCredentials(
    set.credentials.map((c) => ({ credential: c.credential })),
    { canonizer, profile: 'gaia-x-25.11', engine: rdfValidateShacl(await shapeSet('gaia-x-25.11')) },
  );
  t.same(other.flatMap((r) => r.results).map(key), [], 'rdf-validate-shacl agrees');
});

t.test('what the flavors and images say', async (t) => {
  const set = describe(inventory, 'gaia-x-25.11', ctx);
  const flavor = subjects(set).find((s) => s.type === 'ServerFlavor' && s.name === 'SCS-2V-4-20s') as JsonObject & {
    cpu: JsonObject;
    memory: JsonObject;
    bootVolume: JsonObject;
  };
  t.ok(flavor, 'SCS-2V-4-20s described');
  t.match(
    flavor.cpu,
    { vCPUs: 2, overProvisioningRatio: { '@value': 5, '@type': 'xsd:integer' } },
    'V: shared core, up to 5 vCPUs per core',
  );
  t.match(flavor.memory, { memory: { memorySize: { quantityValue: 4096, applicableUnit: 'MiB' } } });
  t.match(flavor.bootVolume, { diskSize: { quantityValue: 20, applicableUnit: 'GiB' }, diskType: 'local SSD' });
  const facts = subjects(set).find((s) => s.type === 'FlavorFacts' && s.describes === flavor.id);
  t.match(
    facts,
    { flavorName: 'SCS-2V-4-20s', cpuType: 'shared-core' },
    'the SCS name lives on scs facts that point at the flavor',
  );
  const debian = subjects(set).find((s) => s.type === 'VMImage' && s.name === 'Debian 12') as JsonObject;
  t.match(debian, {
    version: '12',
    operatingSystem: { osDistribution: 'Debian' },
    buildDate: '2026-11-01T00:00:00Z',
    checkSum: { checkSumCalculation: 'sha-512' },
    secureBoot: true,
    firmwareType: 'UEFI',
    cpuReq: { cpuArchitecture: 'AArch-64' },
    updateStrategy: 'maximum_security',
  });
  t.match(
    subjects(set).find((s) => s.type === 'ImageFacts' && s.describes === debian.id),
    {
      imageSource: 'https://cloud.debian.org/images/cloud/bookworm/',
      replaceFrequency: 'monthly',
      uuidValidity: '2027-12-31',
    },
  );
});

t.test('hypervisor, GPU and nested virtualization from the SCS name; bare metal has no hypervisor', async (t) => {
  const { parseFlavorName } = await import('../../src/inventory/scs/flavor-name.js');
  const inv: Inventory = clone(inventory);
  const template = inv.flavors.find((f) => f.name === 'SCS-2V-4-20s')!;
  for (const [id, name] of [
    ['f-kvm', 'SCS-4C-16-50n_kvm_hwv_z3h_GNa-14-8'],
    ['f-bms', 'SCS-8C-32-100p_bms'],
    ['f-multi', 'SCS-16T-64-3x10s_GNa-64_ib'],
    ['f-plain', 'SCS-2V-4-10'],
  ] as const) {
    const parsed = parseFlavorName(name);
    if (!parsed.ok) throw new Error(parsed.error);
    inv.flavors.push({ ...clone(template), id, name, vcpus: parsed.parsed.cpu.count, scs: { name: parsed.parsed } });
  }
  const set = describe(inv, 'gaia-x-25.11', ctx);
  const kvm = subjects(set).find((s) => s.name === 'SCS-4C-16-50n_kvm_hwv_z3h_GNa-14-8') as JsonObject;
  t.match(kvm, {
    hypervisor: { type: 'Hypervisor', hypervisorType: 'KVM', license: ['GPL-2.0-only'] },
    hardwareAssistedVirtualization: true,
    cpu: {
      overProvisioningRatio: { '@value': 1 },
      pCPU: { vendor: 'AMD', generation: '3', cpuArchitecture: 'x86-64' },
    },
    gpu: {
      type: 'GPU',
      vendor: 'nVidia',
      generation: 'Ampere',
      gpuPassthrough: true,
      gpuProcessingUnits: 14,
      gpuMemory: { quantityValue: 8, applicableUnit: 'GiB' },
    },
    bootVolume: { diskType: 'shared network storage' },
  });
  const bms = subjects(set).find((s) => s.name === 'SCS-8C-32-100p_bms') as JsonObject;
  t.notOk('hypervisor' in bms, 'bare metal: no gx:Hypervisor');
  t.match(bms, { bootVolume: { diskType: 'local SSD', diskBusType: 'NVMe' } });
  const multi = subjects(set).find((s) => s.name === 'SCS-16T-64-3x10s_GNa-64_ib') as JsonObject;
  t.equal(
    (multi.additionalVolume as JsonObject[]).filter((v) => v.diskType === 'local SSD').length,
    2,
    '3x10s: the root disk and two more',
  );
  const plain = subjects(set).find((s) => s.name === 'SCS-2V-4-10') as JsonObject;
  t.match(
    plain,
    { hypervisor: { hypervisorType: 'KVM' }, cpu: { pCPU: { cpuArchitecture: 'x86-64' } } },
    "the standard's defaults: KVM, x86-64",
  );
  const facts = (name: string) =>
    set.credentials
      .map((c) => c.credential.credentialSubject as JsonObject)
      .find((s) => s.type === 'FlavorFacts' && s.flavorName === name)!;
  t.match(facts('SCS-8C-32-100p_bms'), { hypervisor: 'bare metal' }, 'bare metal is stated in the scs facts');
  t.match(
    facts('SCS-16T-64-3x10s_GNa-64_ib'),
    { infiniband: true, diskCount: 3, gpuGeneration: 'a' },
    'InfiniBand and the disk count too',
  );
  t.same((await violations(set, 'gaia-x-25.11')).map(key), [], 'and they conform');
});

t.test('scs facts stay off gx nodes and out of what goes to a clearing house', async (t) => {
  const set = describe(inventory, 'gaia-x-25.11', ctx);
  const scs = set.credentials.filter((c) => !c.clearingHouse);
  t.ok(scs.length > 0);
  t.ok(
    scs.every(
      (c) =>
        c.kind === 'scs-facts' && (c.credential['@context'] as string[]).includes('https://w3id.org/scs/gx-gateway/v1'),
    ),
  );
  t.ok(
    set.credentials
      .filter((c) => c.clearingHouse)
      .every((c) => !JSON.stringify(c.credential).includes('gx-gateway/v1')),
    'no gx credential uses the scs context',
  );
});

t.test('the demo inventory gives Tagus 22.10 credentials that conform as one presentation', async (t) => {
  const set = describe(inventory, 'tagus-22.10', ctx);
  t.same(
    new Set(typesOf(set).filter((x) => x.startsWith('gx:'))),
    new Set(['gx:legalRegistrationNumber', 'gx:LegalParticipant', 'gx:GaiaXTermsAndConditions', 'gx:ServiceOffering']),
  );
  t.same((await violations(set, 'tagus-22.10')).map(key), [], 'shacl-engine: no violation');
  const other = await validateCredentials(
    set.credentials.map((c) => ({ credential: c.credential })),
    { canonizer, profile: 'tagus-22.10', engine: rdfValidateShacl(await shapeSet('tagus-22.10')) },
  );
  t.same(other.flatMap((r) => r.results).map(key), [], 'rdf-validate-shacl agrees');
  const participant = set.credentials.find((c) => c.kind === 'legal-person')!;
  const alone = await validateCredentials([{ credential: participant.credential }], { canonizer });
  t.match(
    alone[0]!.results.map(key).join('\n'),
    /legalRegistrationNumber .*NodeConstraintComponent/,
    'alone, the participant misses its registration number: sets are validated as one graph',
  );
});

t.test('the same inventory twice gives identical output; unchanged resources keep body and hash', async (t) => {
  const a = describe(clone(inventory), 'gaia-x-25.11', ctx);
  const b = describe(clone(inventory), 'gaia-x-25.11', ctx);
  t.equal(JSON.stringify(a), JSON.stringify(b), 'byte-identical');
  const later = describe(clone(inventory), 'gaia-x-25.11', { ...ctx, issued: '2027-01-01T00:00:00Z' });
  t.same(
    later.credentials.map((c) => c.contentHash),
    a.credentials.map((c) => c.contentHash),
    'a later validity start changes no content hash',
  );
  t.same(
    later.credentials.map((c) => c.id),
    a.credentials.map((c) => c.id),
    'stable IRIs',
  );
  const t1 = describe(clone(inventory), 'tagus-22.10', ctx);
  t.equal(JSON.stringify(t1), JSON.stringify(describe(clone(inventory), 'tagus-22.10', ctx)));
});

t.test('diff: added, changed (field level), removed', async (t) => {
  const before = describe(inventory, 'gaia-x-25.11', ctx);
  const inv: Inventory = clone(inventory);
  const flavor = inv.flavors.find((f) => f.name === 'SCS-2V-4-20s')!;
  flavor.ramMiB = 8192;
  const gone = inv.images.find((i) => i.name === 'Debian 12')!;
  inv.images = inv.images.filter((i) => i !== gone);
  inv.flavors.push({
    ...clone(flavor),
    id: 'new-flavor-id',
    name: 'SCS-16V-64',
    ramMiB: 65536,
    vcpus: 16,
    diskGiB: 0,
    scs: undefined as never,
  });
  delete (inv.flavors[inv.flavors.length - 1] as { scs?: unknown }).scs;
  const after = describe(inv, 'gaia-x-25.11', ctx);
  const d = diffCredentials(
    before.credentials.map((c) => c.credential),
    after.credentials.map((c) => c.credential),
  );
  t.same(
    d.added.map((a) => a.id),
    ['https://cloud.example/credentials/25.11/regions/RegionOne/flavors/new-flavor-id'],
  );
  t.same(
    d.removed.map((r) => r.id).sort(),
    [
      `https://cloud.example/credentials/25.11-scs/regions/RegionOne/images/${gone.id}/scs`,
      `https://cloud.example/credentials/25.11/regions/RegionOne/images/${gone.id}`,
    ].sort(),
  );
  const changedFlavor = d.changed.find((c) => c.id.endsWith(`/flavors/${flavor.id}`));
  t.same(changedFlavor?.changes, [
    { path: '/credentialSubject/memory/memory/memorySize/quantityValue', before: 4096, after: 8192 },
  ]);
  const offering = d.changed.find((c) => c.id.endsWith('/offerings/compute'));
  t.ok(
    offering?.changes.some(
      (c) => c.path === '/credentialSubject/codeArtifact/3' || c.path.startsWith('/credentialSubject/codeArtifact'),
    ),
    'the offering lost the image',
  );
  t.ok(
    offering?.changes.some((c) => c.path.startsWith('/credentialSubject/instantiationReq')),
    'and gained the flavor',
  );
  t.equal(d.changed.length, 2, 'nothing else changed');
  t.match(renderDiff(d), /^1 added, 2 changed, 2 removed, \d+ unchanged/);
  t.same(
    diffCredentials(
      before.credentials.map((c) => c.credential),
      describe(inventory, 'gaia-x-25.11', { ...ctx, issued: '2030-01-01T00:00:00Z' }).credentials.map(
        (c) => c.credential,
      ),
    ).changed,
    [],
    'validity dates are not changes',
  );
});

t.test(
  'a missing required field, a bad country code and a wrong datatype each give the expected violation',
  async (t) => {
    const set = describe(inventory, 'gaia-x-25.11', ctx);
    const creds = () => set.credentials.map((c) => clone(c.credential));
    const subjectOf = (list: JsonObject[], type: string) =>
      list.map((c) => c.credentialSubject as JsonObject).find((s) => s.type === type)!;

    let list = creds();
    delete subjectOf(list, 'ServerFlavor').cpu;
    t.match(
      (await violations(list, 'gaia-x-25.11')).map(key).join('\n'),
      /\/flavors\/\S+ https:\/\/w3id.org\/gaia-x\/development#cpu http:\/\/www.w3.org\/ns\/shacl#MinCountConstraintComponent/,
      'no cpu → sh:minCount',
    );

    const bad = describe(inventory, 'gaia-x-25.11', {
      ...ctx,
      provider: { ...provider, legalAddress: { ...provider.legalAddress, countryCode: 'XX' } },
    });
    t.match(
      (await violations(bad, 'gaia-x-25.11')).map(key).join('\n'),
      /countryCode .*OrConstraintComponent XX/,
      'country XX → not in the ISO 3166-1 list',
    );

    list = creds();
    ((subjectOf(list, 'ServerFlavor').cpu as JsonObject).vCPUs as unknown) = 'two';
    t.match(
      (await violations(list, 'gaia-x-25.11')).map(key).join('\n'),
      /vCPUs .*DatatypeConstraintComponent two/,
      'vCPUs "two" → wrong datatype',
    );

    list = creds();
    (subjectOf(list, 'VMImage') as JsonObject).scsImageSource = 'https://example.org';
    t.match(
      (await violations(list, 'gaia-x-25.11')).map(key).join('\n'),
      /json-ld|Closed|scsImageSource/i,
      'an extra predicate on a gx node is refused',
    );
  },
);

t.test('what the shapes require but the cloud does not say is left out with a warning, never invented', async (t) => {
  const inv: Inventory = clone(inventory);
  inv.datacenters = [];
  inv.volumeTypes = inv.volumeTypes
    .map((v) => ({ ...v, encryption: undefined as never }))
    .map((v) => {
      delete (v as { encryption?: unknown }).encryption;
      return v;
    });
  const odd = inv.images.find((i) => i.name === 'Debian 12')!;
  odd.scs = { ...odd.scs, osDistro: 'plan9' };
  const set = describe(inv, 'gaia-x-25.11', ctx);
  t.notOk(set.credentials.some((c) => ['region', 'datacenter', 'block-storage-offering'].includes(c.kind)));
  t.notOk(
    set.credentials.some((c) => c.id.endsWith(`/images/${odd.id}`)),
    'an image nobody stated a licence for is left out',
  );
  t.match(set.warnings.join('\n'), /Debian 12 .* left out: no licence known for os_distro "plan9"/);
  const configured = describe(inv, 'gaia-x-25.11', {
    ...ctx,
    provider: { ...provider, images: { ...provider.images, licenses: { plan9: 'MIT' } } },
  });
  t.ok(
    configured.credentials.some((c) => c.id.endsWith(`/images/${odd.id}`)),
    'and described once the configuration names its licence',
  );
  t.match(set.warnings.join('\n'), /no gx:Region/);
  t.match(set.warnings.join('\n'), /no encrypted volume type/);
  t.same((await violations(set, 'gaia-x-25.11')).map(key), [], 'the rest still conforms');
});

t.test('notary-issued registration numbers are used as they are', async (t) => {
  const notary: JsonObject = {
    '@context': ['https://www.w3.org/ns/credentials/v2', 'https://w3id.org/gaia-x/development#'],
    type: ['VerifiableCredential'],
    id: 'https://notary.example/credentials/lei',
    issuer: 'did:web:notary.example',
    validFrom: '2026-01-01T00:00:00Z',
    credentialSubject: {
      id: 'https://notary.example/lei/5299009N3KJVOVDXHH76',
      type: 'LeiCode',
      leiCode: '5299009N3KJVOVDXHH76',
      countryCode: 'DE',
    },
  };
  const p: ProviderConfig = { ...DEMO_PROVIDER, ...provider, registrationNumbers: [] } as ProviderConfig;
  const set = describe(inventory, 'gaia-x-25.11', { ...ctx, provider: p, registrationNumberCredentials: [notary] });
  t.equal(set.credentials.find((c) => c.id === notary.id)?.credential, notary);
  t.same((subjects(set).find((s) => s.type === 'LegalPerson') as JsonObject).registrationNumber, [
    notary.credentialSubject && (notary.credentialSubject as JsonObject).id,
  ]);
  t.same((await violations(set, 'gaia-x-25.11')).map(key), []);
});
