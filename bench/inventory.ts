// Introspection against a fake OpenStack with 500 images, 200 flavors and 50 ms latency per
// request: wall time against the sequential sum of the request latencies of the same run.
import { buildInventory } from '../src/inventory/build.js';
import { OpenStackSource } from '../src/inventory/openstack/index.js';
import { startFakeOpenStack, syntheticSeed } from '../src/demo/openstack.js';
import { fakeCloudConfig } from '../test/helpers/samples.js';

export async function benchInventory(): Promise<void> {
  console.log('\n== introspection: fake OpenStack, 500 images, 200 flavors, 50 ms latency per request');
  const seed = syntheticSeed(200, 500);
  const scenarios: { title: string; maxLimit: number; microversion?: string }[] = [
    { title: 'server page limit 1000 (Nova/Glance defaults)', maxLimit: 1000 },
    { title: 'server page limit 100', maxLimit: 100 },
    { title: 'page limit 100, compute without 2.61 (extra specs per flavor)', maxLimit: 100, microversion: '2.60' },
  ];
  for (const s of scenarios) {
    const fake = await startFakeOpenStack({
      seed,
      latencyMs: 50,
      maxLimit: s.maxLimit,
      ...(s.microversion ? { maxMicroversion: s.microversion } : {}),
    });
    const cloud = fakeCloudConfig(fake.authUrl, 'bench');
    const t0 = performance.now();
    const inv = await buildInventory([new OpenStackSource(cloud, { pageSize: 1000 })], { http: { concurrency: 16 } });
    const wall = performance.now() - t0;
    const run = inv.run!.sources[0]!;
    if (inv.images.length !== 500 || inv.flavors.length !== 200)
      throw new Error(`bench inventory incomplete: ${inv.images.length} images, ${inv.flavors.length} flavors`);
    console.log(
      `  ${s.title.padEnd(64)} ${String(run.requests).padStart(4)} requests, sequential sum ${(run.requestMs / 1000).toFixed(2)} s, wall ${(wall / 1000).toFixed(2)} s: ${(run.requestMs / wall).toFixed(1)}× faster`,
    );
    await fake.close();
  }
}
