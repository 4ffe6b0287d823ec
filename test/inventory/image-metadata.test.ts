import t from 'tap';
import { typeImageMetadata } from '../../src/inventory/scs/image-metadata.js';
import { scsFacts } from '../../src/inventory/openstack/nova.js';
import { parseFlavorName } from '../../src/inventory/scs/flavor-name.js';

// Each of these guards against a mistake of the SCS project's Python generator (PREDECESSOR-NOTES.md).
t.test('uuid_validity is last-N (not latest-N), dates, notice, forever', async (t) => {
  t.same(typeImageMetadata({ uuid_validity: 'last-3' }).scs.uuidValidity, { kind: 'last', count: 3 });
  t.same(typeImageMetadata({ uuid_validity: '2027-12-31' }).scs.uuidValidity, { kind: 'date', date: '2027-12-31' });
  t.same(typeImageMetadata({ uuid_validity: 'forever' }).scs.uuidValidity, { kind: 'forever' });
  const latest = typeImageMetadata({ uuid_validity: 'latest-3' });
  t.notOk(latest.scs.uuidValidity, "latest-N is not the standard's form");
  t.match(latest.warnings[0], /uuid_validity: "latest-3" is not none, last-N/);
  t.equal(latest.otherProperties.uuid_validity, 'latest-3', 'kept raw');
});

t.test('license_included under its own key; booleans as Glance stores them', async (t) => {
  const m = typeImageMetadata({
    license_included: 'True',
    license_required: 'false',
    subscription_included: 'yes',
    hw_mem_encryption: 'False',
    hw_vif_multiqueue_enabled: 'true',
  });
  t.same(
    [
      m.scs.licenseIncluded,
      m.scs.licenseRequired,
      m.scs.subscriptionIncluded,
      m.scs.hwMemEncryption,
      m.scs.hwVifMultiqueueEnabled,
    ],
    [true, false, true, false, true],
  );
  t.notOk('licenseIncluded' in typeImageMetadata({ license: 'True' }).scs, 'a look-alike key is not license_included');
  t.match(typeImageMetadata({ license_included: 'true', license_required: 'true' }).warnings, [/both true/]);
});

t.test('architecture passes through exactly (aarch64 is 64-bit ARM, not 32-bit)', async (t) => {
  for (const arch of ['x86_64', 'aarch64', 'armv7l', 'riscv64', 'ppc64le', 's390x'])
    t.equal(typeImageMetadata({ architecture: arch }).scs.architecture, arch);
});

t.test('hw_rng_model and the other technical properties are kept', async (t) => {
  const m = typeImageMetadata({
    hw_rng_model: 'virtio',
    hw_disk_bus: 'scsi',
    hw_scsi_model: 'virtio-scsi',
    os_secure_boot: 'required',
    hw_firmware_type: 'uefi',
    hw_video_ram: '64',
    hw_watchdog_action: 'reset',
    hypervisor_type: 'kvm',
  });
  t.match(m.scs, {
    hwRngModel: 'virtio',
    hwDiskBus: 'scsi',
    hwScsiModel: 'virtio-scsi',
    osSecureBoot: 'required',
    hwFirmwareType: 'uefi',
    hwVideoRamMiB: 64,
    hwWatchdogAction: 'reset',
    hypervisorType: 'kvm',
  });
});

t.test('dates, frequencies, sources and unknown properties', async (t) => {
  const m = typeImageMetadata(
    {
      image_build_date: '2026-11-20 06:15',
      provided_until: 'notice',
      maintained_until: '2029-05-31',
      replace_frequency: 'weekly',
      hotfix_hours: '48',
      image_source: 'private',
      os_purpose: 'k8snode',
      l1_support_contact: 'mailto:support@example.com',
      vendor_x: 'kept',
    },
    ['managed_by_osism', 'os:ubuntu'],
  );
  t.match(m.scs, {
    imageBuildDate: '2026-11-20T06:15:00Z',
    providedUntil: { kind: 'notice' },
    maintainedUntil: '2029-05-31',
    replaceFrequency: 'weekly',
    hotfixHours: 48,
    imageSource: 'private',
    osPurpose: 'k8snode',
    managedBy: 'osism',
    osTag: 'ubuntu',
  });
  t.same(m.otherProperties, { vendor_x: 'kept' });
  const bad = typeImageMetadata({
    replace_frequency: 'sometimes',
    os_purpose: 'gaming',
    image_source: 'not a url',
    hotfix_hours: 'soon',
    maintained_until: '31.05.2029',
  });
  t.equal(bad.warnings.length, 5, 'each unreadable value is a warning, not a crash');
  t.same(Object.keys(bad.scs), [], 'and none is typed');
});

t.test('flavor extra specs are used, NVMe is NVMe', async (t) => {
  const { scs, warnings } = scsFacts('SCS-4C-16-2x200p_a1', {
    'scs:cpu-type': 'dedicated-core',
    'scs:disk0-type': 'nvme',
    'hw_rng:allowed': 'True',
    'hw:cpu_policy': 'dedicated',
  });
  t.match(scs, {
    cpuType: 'dedicated-core',
    disk0Type: 'nvme',
    hardwareRng: true,
    dedicatedCpu: true,
    name: { disk: { type: 'nvme' } },
  });
  t.same(warnings, []);
  const alias = scsFacts('m2.large', { 'scs:name-v2': 'SCS-2V-8-20', 'scs:name-v1': 'SCS-2V:8:20' });
  t.match(
    alias.scs,
    { name: { nameV2: 'SCS-2V-8-20' }, nameV1: 'SCS-2V:8:20' },
    'a non-SCS name falls back to scs:name-v2',
  );
  const contradiction = scsFacts('SCS-2V-8-20s', { 'scs:cpu-type': 'dedicated-core', 'scs:disk0-type': 'hdd' });
  t.match(contradiction.warnings, [/cpu-type dedicated-core contradicts/, /disk0-type hdd contradicts/]);
  const broken = scsFacts('SCS-2X-8', {});
  t.notOk(broken.scs?.name);
  t.match(broken.warnings, [/does not parse.*kept raw/]);
  t.ok(parseFlavorName('SCS-2V-8-20s').ok);
});
