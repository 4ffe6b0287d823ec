import t from 'tap';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { parseFlavorName, v1ToV2, v2ToV1, type ParsedFlavorName } from '../../src/inventory/scs/flavor-name.js';
import { fromRoot } from '../helpers/root.js';

const ok = (name: string): ParsedFlavorName => {
  const r = parseFlavorName(name);
  if (!r.ok) throw new Error(`${name}: ${r.error}`);
  return r.parsed;
};

t.test('the standard\'s decoding table (scs-0100 v3 "Proposal Examples")', async (t) => {
  t.match(ok('SCS-2C-4-10n'), {
    cpu: { count: 2, type: 'dedicated-core', insecure: false },
    ram: { gib: 4, ecc: true, oversubscribed: false },
    disk: { count: 1, sizeGB: 10, type: 'network' },
  });
  t.match(ok('SCS-8Ti-32-50p_i1'), {
    cpu: { count: 8, type: 'dedicated-thread', insecure: true },
    ram: { gib: 32 },
    disk: { sizeGB: 50, type: 'nvme' },
    cpuArchitecture: { vendor: 'Intel', architecture: 'x86_64', generation: 1 },
  });
  t.match(ok('SCS-1L-1u-5'), {
    cpu: { count: 1, type: 'crowded-core' },
    ram: { gib: 1, ecc: false },
    disk: { sizeGB: 5 },
  });
  t.notOk(ok('SCS-1L-1u-5').disk?.type, 'disk type unspecified');
  t.match(ok('SCS-16T-64-200s_GNa-72-24_ib'), {
    cpu: { count: 16, type: 'dedicated-thread' },
    ram: { gib: 64 },
    disk: { sizeGB: 200, type: 'ssd' },
    gpu: { passthrough: true, vendor: 'nVidia', generation: 'a', units: 72, vramGiB: 24 },
    infiniband: true,
  });
  t.match(ok('SCS-4C-16-2x200p_a1'), {
    cpu: { count: 4, type: 'dedicated-core' },
    disk: { count: 2, sizeGB: 200, type: 'nvme' },
    cpuArchitecture: { vendor: 'ARM', architecture: 'aarch64', generation: 1 },
  });
  t.match(ok('SCS-1V-0.5'), {
    cpu: { count: 1, type: 'shared-core', maxOversubscription: 5 },
    ram: { gib: 0.5 },
    disk: null,
  });
});

t.test("every example of the standard's sections", async (t) => {
  const valid = [
    'SCS-2C-4-10n',
    'SCS-2T-4-10n',
    'SCS-2V-4-10n',
    'SCS-2L-4-10n',
    'SCS-2Li-4-10n',
    'SCS-2C-3.5-10n',
    'SCS-2C-4u-10n',
    'SCS-2C-4o-10n',
    'SCS-2C-4uo-10n',
    'SCS-2C-4-10s',
    'SCS-2C-4-10s_bms_z3',
    'SCS-2C-4-3x10s',
    'SCS-2C-4-3x10s_bms_z3',
    'SCS-2C-4-10',
    'SCS-2C-4-10_bms_z3',
    'SCS-2C-4-n',
    'SCS-2C-4-',
    'SCS-2C-4-_bms_z3',
    'SCS-2C-4-_bms_z3h_GNa-64_ib',
    'SCS-2C-4-_ib',
    'SCS-2C-4',
    'SCS-2C-4_bms_z3',
    'SCS-2C-4-3x10',
    'SCS-2C-4-10n_bms',
    'SCS-2C-4-10n_bms_z3h',
    'SCS-2C-4-10_kvm_hwv',
    'SCS-2C-4-10_hwv',
    'SCS-2C-4-10_bms_hwv',
    'SCS-2C-4-10n_z',
    'SCS-2C-4-10n_z3',
    'SCS-2C-4-10n_z3hh',
    'SCS-2C-4-10n_bms_z3hh',
    'SCS-16V-64-500s_GNa-14-6h',
    'SCS-8T-16-50n_i2',
    'SCS-8T-16-50n_z2',
  ];
  for (const name of valid) t.ok(parseFlavorName(name).ok, `${name} parses`);
  const invalid: [string, RegExp][] = [
    ['SCS-2-4-10n', /grammar/], // CPU suffix missing
    ['SCS-2iT-4-10n', /grammar/], // order forbidden
    ['SCS-2C-4ou-10n', /grammar/], // order forbidden
    ['SCS-2C-4-1.5n', /grammar/], // fractional disk
    ['SCS-2C-4-10_hwv_xen', /grammar/], // wrong extension order
    ['SCS-2C-10.5', /fractional RAM/],
    ['SCS-2C-4.3', /half GiB/],
    ['m1.small', /not an SCS flavor name/],
  ];
  for (const [name, why] of invalid) {
    const r = parseFlavorName(name);
    t.notOk(r.ok, `${name} is rejected`);
    if (!r.ok) t.match(r.error, why);
  }
  t.same(ok('SCS-2C-4').disk, null, 'no disk part: boot from volume');
  t.same(ok('SCS-2C-4-').disk, { count: 1 }, 'empty disk part: the cloud decides type and size');
  t.same(ok('SCS-2C-4-n').disk, { count: 1, type: 'network' });
  t.match(ok('SCS-2C-4-10_kvm_hwv'), { hypervisor: 'KVM', nestedVirtualization: true });
  t.match(ok('SCS-2C-4-10n_bms_z3hh'), {
    hypervisor: 'bare metal',
    cpuArchitecture: { vendor: 'AMD', generation: 3, minAllCoreGHz: 3.25 },
  });
  t.match(ok('SCS-16V-64-500s_GNa-14-6h'), { gpu: { units: 14, vramGiB: 6, highBandwidthMemory: true } });
});

t.test('v1 names (SCS-4V:16:100) and the v1/v2 transformation', async (t) => {
  t.equal(v1ToV2('SCS-4V:16:100'), 'SCS-4V-16-100');
  t.equal(v1ToV2('SCS-2C:4:10n-bms-z3'), 'SCS-2C-4-10n_bms_z3');
  t.equal(v2ToV1('SCS-2C-4-10n_bms_z3'), 'SCS-2C:4:10n-bms-z3');
  t.match(ok('SCS-4V:16:100'), {
    syntax: 'v1',
    nameV2: 'SCS-4V-16-100',
    cpu: { count: 4 },
    ram: { gib: 16 },
    disk: { sizeGB: 100 },
  });
});

t.test('the mandatory and recommended flavors: names and v1/v2 extra specs agree with cpus/ram/disk', async (t) => {
  const spec = parse(
    readFileSync(fromRoot('..', 'shared', 'scs', 'tests', 'SCS-Spec.MandatoryFlavors.verbose.yaml'), 'utf8'),
  ) as {
    mandatory: Record<string, string | number>[];
    recommended: Record<string, string | number>[];
  };
  for (const f of [...spec.mandatory, ...spec.recommended]) {
    for (const name of [f.name, f['scs:name-v1'], f['scs:name-v2']] as string[]) {
      const p = ok(name);
      t.equal(p.cpu.count, f.cpus, `${name} vCPUs`);
      t.equal(p.ram.gib * 1024, f.ram, `${name} RAM: GiB in the name, MiB in Nova`);
      if (f.disk) t.equal(p.disk?.sizeGB, f.disk, `${name} disk`);
      t.equal(p.cpu.type, f['scs:cpu-type'], `${name} cpu type matches scs:cpu-type`);
      if (f['scs:disk0-type'])
        t.equal(
          p.disk?.type ?? 'network',
          f['scs:disk0-type'] === 'network' && !p.disk?.type ? 'network' : f['scs:disk0-type'],
          `${name} disk type`,
        );
    }
  }
});
