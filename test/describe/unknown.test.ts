// A failed or partial source makes parts of the cloud unknown, not absent: describe holds back what it
// would describe from incomplete data, says so, records it in the manifest, and diff does not call it removed.
import t from 'tap';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEMO_PROVIDER } from '../../src/config/load.js';
import type { ProviderConfig } from '../../src/config/schema.js';
import { startFakeNetBox } from '../../src/demo/netbox.js';
import { startFakeOpenStack } from '../../src/demo/openstack.js';
import { NetBoxSource } from '../../src/inventory/netbox/index.js';
import { describe } from '../../src/describe/describe.js';
import { diffCredentials } from '../../src/describe/diff.js';
import { readCredentialDir, readManifest, writeDescribedSet } from '../../src/describe/output.js';
import { buildInventory } from '../../src/inventory/build.js';
import { OpenStackSource } from '../../src/inventory/openstack/index.js';
import { fakeCloudConfig } from '../helpers/samples.js';

const fake = await startFakeOpenStack();
t.teardown(() => fake.close());
// NetBox gives the regions their datacenters, so the offerings are described.
const netbox = await startFakeNetBox();
t.teardown(() => netbox.close());
const dir = mkdtempSync(join(tmpdir(), 'gxg-unknown-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const ctx = {
  provider: {
    ...DEMO_PROVIDER,
    registrationNumberCredentials: [],
    gaiaxTermsAndConditionsHash: '067dcac5efd18c1927deb1ffed3feab6d0ad044c0a9a263e6d5d8bdc43224515',
    dataAccountExport: { requestType: 'API', accessType: 'digital', formatType: 'application/json' },
    dataProtectionRegime: ['GDPR2016'],
    policy: 'default: allow',
    keywords: [],
    images: { licenses: {}, copyrightOwners: {}, includePrivate: false },
  } as ProviderConfig,
  baseUrl: 'https://cloud.example',
  issuer: 'did:web:cloud.example',
  issued: '2026-11-24T00:00:00Z',
};
const fast = { http: { timeoutMs: 1000, retries: 0, backoffMs: 10 } };
const source = () => new OpenStackSource(fakeCloudConfig(fake.authUrl));
const sources = () => [source(), new NetBoxSource({ url: netbox.url, token: netbox.token })];

t.test('Glance and Cinder down: images, volume types and their offerings are unknown, not removed', async (t) => {
  const complete = await buildInventory(sources(), fast);
  t.same(
    complete.sources.map((s) => s.status),
    ['ok', 'ok'],
  );
  const before = describe(complete, 'gaia-x-25.11', ctx);
  t.ok(
    before.credentials.some((c) => c.id.endsWith('/regions/RegionOne/offerings/compute')),
    'the complete run has a compute offering',
  );
  t.same(before.unknown, []);
  writeDescribedSet(before, join(dir, 'before'));

  fake.faults.push({ path: /^\/image\/v2\/images/, status: 503 }, { path: /^\/volume\/v3\/[^/]+\/types/, status: 503 });
  t.teardown(() => fake.faults.splice(0));
  const partial = await buildInventory(sources(), fast);
  const os = partial.sources.find((s) => s.kind === 'openstack')!;
  t.equal(os.status, 'partial');
  t.same(
    os.unknown?.map((u) => `${u.kind}@${u.region}`),
    ['images@RegionOne', 'volumeTypes@RegionOne'],
    'the inventory names what is unknown',
  );
  const after = describe(partial, 'gaia-x-25.11', ctx);
  t.same(
    after.unknown.map((u) => u.kind),
    ['images', 'volumeTypes'],
  );
  t.notOk(
    after.credentials.some((c) => /\/regions\/RegionOne\/offerings\/(compute|block-storage)/.test(c.id)),
    'no offering is described from incomplete data (left out or held back)',
  );
  t.ok(
    after.warnings.some((w) => /images of RegionOne unknown .*neither described nor removed/.test(w)),
    'and says so',
  );
  t.ok(
    after.credentials.some((c) => /\/flavors\//.test(c.id)),
    'what was read is still described',
  );
  writeDescribedSet(after, join(dir, 'after'));
  const manifest = readManifest(join(dir, 'after'))!;
  t.same(
    manifest.unknown?.map((u) => u.kind),
    ['images', 'volumeTypes'],
    'the manifest records it',
  );
  t.same(manifest.withheld, after.withheld);

  const d = diffCredentials(
    readCredentialDir(join(dir, 'before')),
    readCredentialDir(join(dir, 'after')),
    manifest.unknown,
  );
  t.same(d.removed, [], 'nothing reads as removed');
  t.ok(
    d.unknown.some((u) => u.id.endsWith('/offerings/compute')),
    'the compute offering is unknown',
  );
  t.ok(
    d.unknown.some((u) => /\/images\//.test(u.id)),
    'the images are unknown',
  );
  t.ok(existsSync(join(dir, 'after', 'manifest.json')));
  t.notMatch(readFileSync(join(dir, 'after', 'manifest.json'), 'utf8'), /gx-inventory-secret/);
});

t.test('a failed source makes everything it would have read unknown', async (t) => {
  fake.faults.push({ path: /^\/identity\/v3\/auth\/tokens/, status: 503 });
  t.teardown(() => fake.faults.splice(0));
  const failed = await buildInventory([source()], fast);
  t.equal(failed.sources[0]!.status, 'failed');
  const set = describe(failed, 'gaia-x-25.11', ctx);
  t.same(
    set.unknown.map((u) => u.kind),
    ['regions'],
  );
  t.ok(
    set.credentials.some((c) => c.id.endsWith('/legal-person')),
    'the provider is still described',
  );
});
