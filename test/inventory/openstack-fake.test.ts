import t from 'tap';
import { buildInventory, serializeInventory } from '../../src/inventory/build.js';
import type { CloudConfig } from '../../src/inventory/openstack/clouds-config.js';
import { OpenStackSource } from '../../src/inventory/openstack/index.js';
import { startFakeOpenStack, loadSeed } from '../../src/demo/openstack.js';

const fake = await startFakeOpenStack({ maxLimit: 10 });
t.teardown(() => fake.close());
const cloud: CloudConfig = {
  name: 'fake',
  authUrl: fake.authUrl,
  auth: { type: 'password', username: 'gx-inventory', password: 'gx-inventory-secret', userDomainName: 'Default' },
  scope: { kind: 'project', projectName: 'gx-demo', domainName: 'Default' },
  interface: 'public',
  insecure: false,
  origin: 'test',
};
const fast = { http: { timeoutMs: 400, retries: 2, backoffMs: 20 } };
const seed = loadSeed();

t.test("the fake cloud reads like the real one, paginated by the server's max limit", async (t) => {
  const inv = await buildInventory([new OpenStackSource(cloud)], fast);
  t.equal(inv.sources[0]!.status, 'ok');
  t.equal(inv.flavors.length, seed.flavors.length);
  t.ok(
    fake.requests.filter((r) => r.path.startsWith('/compute/v2.1/flavors/detail')).length >= 4,
    'several flavor pages followed via flavors_links',
  );
});

t.test('a service that answers 500 yields partial with the rest intact', async (t) => {
  fake.faults.push({ path: /^\/image\/v2\/images/, status: 500 });
  t.teardown(() => fake.faults.splice(0));
  const inv = await buildInventory([new OpenStackSource(cloud)], fast);
  t.match(inv.sources[0], {
    status: 'partial',
    errors: [
      /^image images: GET http:\/\/127\.0\.0\.1:\d+\/image\/v2\/images\?visibility=all&limit=1000 answered HTTP 500: injected fault 500$/,
    ],
  });
  t.equal(inv.images.length, 0);
  t.equal(inv.flavors.length, seed.flavors.length, 'flavors intact');
  t.equal(inv.volumeTypes.length, 3, 'volume types intact');
  t.equal(inv.networks.length, 1, 'networks intact');
});

t.test('a service that times out yields partial with the rest intact', async (t) => {
  fake.faults.push({ path: /^\/network\/v2\.0\/networks/, hang: true });
  t.teardown(() => fake.faults.splice(0));
  const inv = await buildInventory([new OpenStackSource(cloud)], fast);
  t.match(inv.sources[0]!.errors, [/^network external networks: GET .* failed: timed out after 400 ms$/]);
  t.equal(inv.sources[0]!.status, 'partial');
  t.equal(inv.images.length, seed.images.length, 'images intact');
  t.ok(inv.run!.sources[0]!.retries >= 2, 'timeouts of GETs are retried');
});

t.test('429 and 503 with Retry-After are honoured and retried', async (t) => {
  fake.faults.push({ path: /^\/compute\/v2\.1\/flavors\/detail/, status: 429, retryAfterSeconds: 1, times: 1 });
  fake.faults.push({ path: /^\/volume\/v3\/[^/]+\/types(\?|$)/, status: 503, retryAfterSeconds: 0, times: 2 });
  t.teardown(() => fake.faults.splice(0));
  const started = Date.now();
  const inv = await buildInventory([new OpenStackSource(cloud)], {
    http: { timeoutMs: 2000, retries: 3, backoffMs: 10 },
  });
  t.equal(inv.sources[0]!.status, 'ok', 'recovered');
  t.equal(inv.flavors.length, seed.flavors.length);
  t.ok(Date.now() - started >= 950, 'waited for Retry-After: 1');
  t.equal(inv.run!.sources[0]!.retries, 3);
});

t.test('a non-idempotent request (the token POST) is not retried; a 401 names the cloud', async (t) => {
  const bad = await buildInventory(
    [new OpenStackSource({ ...cloud, auth: { type: 'password', username: 'gx-inventory', password: 'nope' } })],
    fast,
  );
  t.match(bad.sources[0], {
    status: 'failed',
    errors: [/^cloud "fake": Keystone at .* rejected the password credentials \(HTTP 401\)/],
  });
  t.notMatch(serializeInventory(bad), /nope|gx-inventory-secret/);
});

t.test('a Nova without microversion 2.61 answers 406; extra specs are then read per flavor', async (t) => {
  const old = await startFakeOpenStack({ maxMicroversion: '2.60' });
  t.teardown(() => old.close());
  const inv = await buildInventory([new OpenStackSource({ ...cloud, authUrl: old.authUrl })], fast);
  t.equal(inv.sources[0]!.status, 'ok');
  t.equal(inv.flavors.length, seed.flavors.length);
  t.same(inv.flavors.find((f) => f.name === 'SCS-2V-8')!.extraSpecs, {
    'scs:cpu-type': 'shared-core',
    'scs:name-v1': 'SCS-2V:8',
    'scs:name-v2': 'SCS-2V-8',
  });
  t.equal(
    old.requests.filter((r) => r.path.endsWith('/os-extra_specs')).length,
    seed.flavors.length,
    'one os-extra_specs request per flavor',
  );
  t.equal(inv.sources[0]!.apiVersions.compute, 'v2.1 (2.1–2.60)');
});

t.test('a token Keystone does not recognize is reported as such, not as a wrong auth_url', async (t) => {
  const inv = await buildInventory(
    [new OpenStackSource({ ...cloud, auth: { type: 'token', token: 'revoked-token' } })],
    fast,
  );
  t.equal(inv.sources[0]!.status, 'failed');
  t.match(
    inv.sources[0]!.errors[0],
    /does not accept the token \(HTTP 404: Could not recognize Fernet token\); it is invalid, expired or revoked/,
  );
  t.notMatch(inv.sources[0]!.errors[0], /should end in \/v3/);
  t.notMatch(serializeInventory(inv), /revoked-token/, 'the token is never written');
});

t.test('community and hidden (os_hidden) images are listed too, as Glance needs to be asked', async (t) => {
  const base = loadSeed();
  const extra = await startFakeOpenStack({
    seed: {
      ...base,
      images: [
        ...base.images,
        { ...base.images[0]!, name: 'Community Linux', visibility: 'community' },
        { ...base.images[0]!, name: 'Ubuntu 24.04 (replaced)', hidden: true },
      ],
    },
  });
  t.teardown(() => extra.close());
  const inv = await buildInventory([new OpenStackSource({ ...cloud, authUrl: extra.authUrl })], fast);
  t.equal(inv.images.length, base.images.filter((i) => ['public', 'community'].includes(i.visibility)).length + 2);
  t.ok(
    inv.images.find((i) => i.name === 'Community Linux'),
    'community image (visibility=all)',
  );
  t.equal(
    inv.images.find((i) => i.name === 'Ubuntu 24.04 (replaced)')?.hidden,
    true,
    'hidden image (os_hidden=true), marked hidden',
  );
  t.ok(
    extra.requests.some((r) => /os_hidden=true/.test(r.path)),
    'asked for hidden images',
  );
});

t.test('published endpoints carry no project id', async (t) => {
  const inv = await buildInventory([new OpenStackSource(cloud)], fast);
  const volume = inv.services.find((s) => s.type === 'volumev3' || s.type === 'block-storage');
  t.ok(volume, 'the block storage service is in the inventory');
  t.match(volume!.endpoint, /\/volume\/v3$/, `no project in ${volume!.endpoint}`);
  const { publicEndpoint } = await import('../../src/inventory/openstack/index.js');
  t.equal(publicEndpoint('https://os.example/v1/AUTH_abc123/', 'abc123'), 'https://os.example/v1');
  t.equal(publicEndpoint('https://os.example:8776/v3/%(project_id)s', undefined), 'https://os.example:8776/v3');
  t.equal(publicEndpoint('https://os.example/compute/v2.1', 'abc123'), 'https://os.example/compute/v2.1');
});
