// Validation: shapes ready, resident memory and time per credential (each in a fresh process),
// against JSON-LD expansion of the same credential (the floor) in the same run; then describe +
// validate of an inventory with 1,000 resources against JSON-LD expansion of its credentials.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import jsonld from 'jsonld';
import { bundledContexts } from '../src/credentials/contexts.js';
import { createCanonizer } from '../src/credentials/canonize.js';
import { createDocumentLoader } from '../src/credentials/document-loader.js';
import { DEMO_PROVIDER, loadConfig } from '../src/config/load.js';
import type { ProviderConfig } from '../src/config/schema.js';
import { describe } from '../src/describe/describe.js';
import { contentHash } from '../src/inventory/build.js';
import type { Flavor, Image, Inventory } from '../src/inventory/model.js';
import { parseFlavorName } from '../src/inventory/scs/flavor-name.js';
import { typeImageMetadata } from '../src/inventory/scs/image-metadata.js';
import { validateCredentials } from '../src/validate/validate.js';

interface WorkerResult {
  compiled: boolean;
  quads: number;
  readyMs: number;
  floorMs: number;
  perMs: number;
  rssMB: number;
}

function worker(kind: 'compiled' | 'full'): WorkerResult {
  const file = fileURLToPath(new URL('./validate-worker.js', import.meta.url));
  return JSON.parse(execFileSync(process.execPath, ['--expose-gc', file, kind], { encoding: 'utf8' })) as WorkerResult;
}

/** An inventory with `flavors` + `images` resources in one region (plus the demo provider). */
export function syntheticInventory(flavors: number, images: number): Inventory {
  const base = { source: 'openstack:bench', region: 'RegionOne' };
  const fl: Flavor[] = Array.from({ length: flavors }, (_, i) => {
    const name = `SCS-${(i % 16) + 1}V-${((i % 8) + 1) * 4}-${(i % 5) * 20 + 20}s`;
    const parsed = parseFlavorName(name);
    return {
      ...base,
      id: `flavor-${String(i).padStart(5, '0')}`,
      name: `${name}_${i}`,
      vcpus: (i % 16) + 1,
      ramMiB: ((i % 8) + 1) * 4096,
      diskGiB: (i % 5) * 20 + 20,
      ephemeralGiB: 0,
      swapMiB: 0,
      public: true,
      disabled: false,
      extraSpecs: { 'scs:name-v2': name },
      ...(parsed.ok ? { scs: { name: parsed.parsed, nameV2: name } } : {}),
    };
  });
  const im: Image[] = Array.from({ length: images }, (_, i) => {
    const typed = typeImageMetadata({
      os_distro: 'ubuntu',
      os_version: '24.04',
      architecture: 'x86_64',
      hw_disk_bus: 'scsi',
      hw_scsi_model: 'virtio-scsi',
      hw_rng_model: 'virtio',
      image_build_date: '2026-11-01',
      image_source: 'https://cloud-images.ubuntu.com/',
      image_description: 'https://ubuntu.com/',
      replace_frequency: 'monthly',
      uuid_validity: 'last-3',
      provided_until: 'none',
      os_hash_algo: 'sha512',
      os_hash_value: 'ab'.repeat(64),
      hw_firmware_type: 'uefi',
      os_secure_boot: 'required',
    });
    return {
      ...base,
      id: `image-${String(i).padStart(5, '0')}`,
      name: `Ubuntu 24.04 build ${i}`,
      status: 'active',
      visibility: 'public',
      sizeBytes: 600_000_000 + i,
      minDiskGiB: 8,
      minRamMiB: 512,
      diskFormat: 'qcow2',
      containerFormat: 'bare',
      tags: [],
      hidden: false,
      protected: false,
      scs: typed.scs,
      otherProperties: {},
    };
  });
  const body = {
    schemaVersion: 1 as const,
    sources: [
      {
        id: 'openstack:bench',
        kind: 'openstack' as const,
        endpoint: 'https://bench.example',
        status: 'ok' as const,
        errors: [],
        warnings: [],
        apiVersions: {},
      },
    ],
    regions: [
      {
        id: 'RegionOne',
        source: 'openstack:bench',
        availabilityZones: { compute: [{ name: 'az-a', available: true }], volume: [], network: [] },
      },
    ],
    services: [],
    flavors: fl,
    images: im,
    volumeTypes: [],
    networks: [],
    kubernetesClusters: [],
    datacenters: [],
    conformance: [],
  };
  return { ...body, contentHash: contentHash(body) };
}

export async function benchValidate(): Promise<void> {
  console.log('\n== validation: Gaia-X 25.11, shacl-engine, one LegalPerson credential, fresh process each');
  const compiled = worker('compiled');
  const full = worker('full');
  for (const [name, r] of [
    ['compiled subset (build time)', compiled],
    ['full official shapes', full],
  ] as const) {
    console.log(
      `  ${name.padEnd(30)} ${String(r.quads).padStart(7)} quads  ready ${r.readyMs.toFixed(0).padStart(5)} ms  resident ${r.rssMB.toFixed(0).padStart(4)} MB  ${r.perMs.toFixed(2)} ms/credential = ×${(r.perMs / r.floorMs).toFixed(1)} JSON-LD expansion (${r.floorMs.toFixed(2)} ms)`,
    );
  }
  const ok = (b: boolean) => (b ? 'met' : 'NOT met');
  console.log(
    `  goals: ready ≤ 300 ms ${ok(compiled.readyMs <= 300)}, ≤ 250 MB resident ${ok(compiled.rssMB <= 250)}, ≤ 2 ms per credential ${ok(compiled.perMs <= 2)} (compiled subset)`,
  );

  console.log('\n== describe + validate: 1,000 resources (500 flavors, 500 images), Gaia-X 25.11');
  const canonizer = createCanonizer(createDocumentLoader(bundledContexts().values()));
  const provider = (loadConfig({ env: {}, cwd: '/nonexistent-dir' }).config.provider ??
    DEMO_PROVIDER) as ProviderConfig;
  const inventory = syntheticInventory(500, 500);
  const ctx = {
    provider,
    baseUrl: 'https://bench.example',
    issuer: 'did:web:bench.example',
    issued: '2026-11-24T00:00:00Z',
  };
  await validateCredentials(
    describe(syntheticInventory(5, 5), 'gaia-x-25.11', ctx).credentials.map((c) => ({ credential: c.credential })),
    { canonizer },
  );
  let t = performance.now();
  for (const c of describe(inventory, 'gaia-x-25.11', ctx).credentials)
    await jsonld.expand(c.credential, { documentLoader: canonizer.documentLoader, safe: true });
  const floor = performance.now() - t;
  t = performance.now();
  const set = describe(inventory, 'gaia-x-25.11', ctx);
  const describeMs = performance.now() - t;
  const reports = await validateCredentials(
    set.credentials.map((c) => ({ credential: c.credential })),
    { canonizer },
  );
  const total = performance.now() - t;
  if (reports.some((r) => !r.conforms)) throw new Error('bench set does not conform');
  console.log(`  JSON-LD expansion of the ${set.credentials.length} credentials (floor)  ${floor.toFixed(0)} ms`);
  console.log(
    `  describe ${describeMs.toFixed(0)} ms + validate as one graph = ${total.toFixed(0)} ms  ×${(total / floor).toFixed(1)} the floor (${(total / set.credentials.length).toFixed(2)} ms per credential)`,
  );
}
