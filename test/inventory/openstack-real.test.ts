import t from 'tap';
import { readFileSync } from 'node:fs';
import { buildInventory, serializeInventory } from '../../src/inventory/build.js';
import { resolveCloud } from '../../src/inventory/openstack/clouds-config.js';
import { OpenStackSource } from '../../src/inventory/openstack/index.js';
import { inventoryProblems } from '../../src/inventory/schema.js';
import type { Inventory } from '../../src/inventory/model.js';
import { holdOpenstackLite, openstackLite } from '../helpers/openstack-lite.js';
import { loadSeed } from '../../src/demo/openstack.js';

// Introspection of a real OpenStack control plane (Debian's Keystone, Nova, Glance, Cinder,
// Neutron, Placement) seeded by scripts/openstack-lite from test/fixtures/openstack-seed.json.
const lite = openstackLite();
if ('skip' in lite) {
  t.plan(0, lite.skip);
} else {
  // Files that change openstack-lite (test/pipeline/events-real.test.ts) wait for this one.
  await holdOpenstackLite();
  const env = { OS_CLIENT_CONFIG_FILE: lite.cloudsYaml, HOME: '/nonexistent' };
  const seed = loadSeed();
  const run = (cloud: string, pageSize = 1000) =>
    buildInventory([new OpenStackSource(resolveCloud({ cloud, env }), { pageSize })]);
  const inv = await run('openstack-lite');

  t.test('the inventory of the real cloud equals the seed', async (t) => {
    t.same(inventoryProblems(JSON.parse(serializeInventory(inv))), [], 'valid against schemas/inventory.schema.json');
    t.match(inv.sources[0], { id: 'openstack:openstack-lite', status: 'ok', errors: [] });
    t.match(inv.sources[0]!.apiVersions, {
      compute: /^v2\.1 \(2\.1–2\.\d+\)$/,
      image: /^v2\.\d+/,
      'block-storage': /^v3\.0 \(3\.0–3\.\d+\)$/,
      network: 'v2.0',
      placement: /^v1\.0/,
    });
    t.same(
      inv.regions.map((r) => r.id),
      [seed.region],
    );
    const zones = inv.regions[0]!.availabilityZones;
    t.same(
      zones.compute.map((z) => z.name),
      seed.availabilityZones.compute,
      'compute zones',
    );
    t.same(
      zones.volume.map((z) => z.name),
      seed.availabilityZones.volume,
      'volume zones',
    );
    t.same(
      zones.network.map((z) => z.name),
      seed.availabilityZones.network,
      'network zones',
    );

    t.equal(inv.flavors.length, seed.flavors.length, `all ${seed.flavors.length} flavors`);
    for (const f of seed.flavors) {
      const got = inv.flavors.find((x) => x.name === f.name);
      if (!got) {
        t.fail(`flavor ${f.name} missing`);
        continue;
      }
      t.same(
        [got.vcpus, got.ramMiB, got.diskGiB, got.public],
        [f.vcpus, f.ramMiB, f.diskGiB, f.public],
        `${f.name}: vCPUs, RAM MiB, disk GiB`,
      );
      t.same(got.extraSpecs, Object.fromEntries(Object.entries(f.extraSpecs).sort()), `${f.name}: extra specs`);
    }
    const gpu = inv.flavors.find((f) => f.name === 'SCS-16T-64-200s_GNa-72-24_ib')!;
    t.match(gpu.scs, {
      cpuType: 'dedicated-thread',
      disk0Type: 'ssd',
      hardwareRng: true,
      dedicatedCpu: true,
      name: { gpu: { vendor: 'nVidia', units: 72, vramGiB: 24 }, infiniband: true },
    });
    t.match(
      inv.flavors.find((f) => f.name === 'SCS-2X-4-bogus')!.warnings,
      [/does not parse/],
      'an unparsable SCS name is kept raw with a warning',
    );
    t.notOk(inv.flavors.find((f) => f.name === 'm1.legacy')!.scs, 'a non-SCS flavor has no SCS facts');

    t.equal(inv.images.length, seed.images.length);
    for (const img of seed.images) {
      const got = inv.images.find((i) => i.name === img.name)!;
      t.same(
        [got.minDiskGiB, got.minRamMiB, got.diskFormat, got.visibility],
        [img.minDiskGiB, img.minRamMiB, img.diskFormat, img.visibility],
        `${img.name}: min_disk GiB, min_ram MiB`,
      );
      t.ok(got.sizeBytes! > 0, 'size in bytes');
      t.equal(got.checksum?.algorithm, 'sha512', 'Glance multihash');
      t.same(got.tags, [...img.tags].sort());
      t.equal(got.scs.architecture, img.properties.architecture);
      t.equal(got.scs.osDistro, img.properties.os_distro);
      t.equal(got.scs.osPurpose, img.properties.os_purpose);
    }
    const ubuntu = inv.images.find((i) => i.name === 'Ubuntu 24.04')!;
    t.match(ubuntu.scs, {
      hwRngModel: 'virtio',
      hwDiskBus: 'scsi',
      osSecureBoot: 'disabled',
      hwFirmwareType: 'uefi',
      hwVideoRamMiB: 64,
      hwVifMultiqueueEnabled: true,
      hwMemEncryption: false,
      replaceFrequency: 'weekly',
      uuidValidity: { kind: 'last', count: 3 },
      providedUntil: { kind: 'date', date: '2029-04-30' },
      hotfixHours: 48,
      imageBuildDate: '2026-11-20T06:15:00Z',
      imageOriginalUser: 'ubuntu',
      licenseIncluded: false,
      maintainedUntil: '2029-05-31',
      managedBy: 'gx-demo',
      osTag: 'ubuntu',
    });
    t.equal(ubuntu.otherProperties.gx_vendor_note, 'kept as is', 'unknown properties are preserved');
    t.match(inv.images.find((i) => i.name.startsWith('Windows'))!.warnings, [
      /hotfix_hours: "soon" is not a whole number/,
    ]);
    t.equal(inv.images.find((i) => i.name === 'Debian 12')!.scs.architecture, 'aarch64');

    const enc = inv.volumeTypes.find((v) => v.name === 'encrypted')!;
    t.same(
      enc.encryption,
      { provider: 'luks', cipher: 'aes-xts-plain64', keySizeBits: 256, controlLocation: 'front-end' },
      'LUKS encryption read from /types/{id}/encryption',
    );
    t.same(enc.scsAspects, ['encrypted']);
    t.notOk(inv.volumeTypes.find((v) => v.name === 'ssd')!.encryption);
    t.same(
      inv.volumeTypes.find((v) => v.name === 'ssd')!.availabilityZones,
      ['az-a'],
      'zone restriction from RESKEY:availability_zones',
    );
    t.same(enc.availabilityZones, [], 'no restriction: every zone');
    t.same(inv.volumeTypes.map((v) => v.name).sort(), ['__DEFAULT__', 'encrypted', 'ssd']);

    t.equal(inv.networks.length, 1);
    t.match(inv.networks[0], {
      name: 'public',
      external: true,
      mtu: 1500,
      providerNetworkType: 'flat',
      subnets: [{ name: 'public-v4', cidr: '203.0.113.0/24', ipVersion: 4 }],
    });
    const network = inv.services.find((s) => s.type === 'network')!;
    t.ok(network.extensions?.includes('external-net'), 'Neutron extensions');
    t.same(inv.services.map((s) => s.type).sort(), [
      'block-storage',
      'compute',
      'identity',
      'image',
      'network',
      'placement',
      'volumev3',
    ]);
  });

  t.test('pagination against the real services gives the same inventory', async (t) => {
    const paged = await run('openstack-lite', 7);
    t.equal(serializeInventory(paged), serializeInventory(inv), 'page size 7 and page size 1000 agree byte for byte');
    t.ok(
      paged.run!.sources[0]!.requests >= inv.run!.sources[0]!.requests + 5,
      `more requests with small pages (${paged.run!.sources[0]!.requests} vs ${inv.run!.sources[0]!.requests})`,
    );
  });

  t.test('two runs over the unchanged cloud are byte-identical', async (t) => {
    const again = await run('openstack-lite');
    t.equal(serializeInventory(again), serializeInventory(inv));
    t.equal(again.contentHash, inv.contentHash);
    t.match(inv.contentHash, /^sha256:[0-9a-f]{64}$/);
  });

  t.test('a reader without admin rights gets a partial inventory with the rest intact', async (t) => {
    const reader = await run('openstack-lite-reader');
    t.match(reader.sources[0], {
      status: 'partial',
      errors: [/volume type encryption: not allowed for this user \(HTTP 403\)/],
    });
    t.equal(reader.flavors.length, seed.flavors.length, 'flavors still complete');
    t.equal(reader.images.length, seed.images.length, 'images still complete');
    t.equal(reader.volumeTypes.length, 3, 'volume types listed');
  });

  t.test('a wrong password is a clear error naming the cloud, not a stack trace', async (t) => {
    const cloud = resolveCloud({ cloud: 'openstack-lite', env: { ...env, OS_PASSWORD: 'wrong' } });
    const bad = await buildInventory([new OpenStackSource(cloud)]);
    t.match(bad.sources[0], {
      status: 'failed',
      errors: [
        /^cloud "openstack-lite": Keystone at http:\/\/127\.0\.0\.1:\d+\/v3 rejected the password credentials \(HTTP 401\); check them in cloud "openstack-lite" from .*clouds\.yaml$/,
      ],
    });
    t.notMatch(JSON.stringify(bad), /wrong|gx-inventory-secret/, 'no secret in the inventory');
    t.notMatch(
      serializeInventory(inv),
      new RegExp(
        [
          'gx-inventory-secret',
          'gx-admin-secret',
          readFileSync(lite.cloudsYaml, 'utf8').match(/password: (\S+)/)![1],
        ].join('|'),
      ),
      'no password anywhere in the inventory',
    );
  });
}
export type { Inventory };
