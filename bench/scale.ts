// A generated cloud through the pipeline (issue 20, goals 1, 2 and 5): BENCH_RESOURCES resources
// (default 10,000: 500 flavors, the rest images; src/demo/openstack.ts's syntheticSeed, the same
// cloud every time) in the fake OpenStack, both profiles, into SQLite: the first run (everything
// new) against its floors, a re-run of the unchanged cloud, and the process's resident memory.
// Floors per credential are measured on a sample of 500 of the run's own credentials with jsonld
// and node:crypto alone. Also run alone: node dist/bench/scale.js (after npm run build).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { CredentialService } from '../src/app/credential-service.js';
import { DEMO_PROVIDER, loadConfig } from '../src/config/load.js';
import { startFakeOpenStack, syntheticSeed } from '../src/demo/openstack.js';
import { introspect } from '../src/pipeline/introspect.js';
import { CloudRunner } from '../src/pipeline/runner.js';
import { Store } from '../src/store/store.js';
import { describeBoth, pipelineFloors } from './harness.js';

const RESOURCES = Number(process.env.BENCH_RESOURCES ?? 10_000);

export async function benchScale(): Promise<void> {
  const flavors = Math.min(500, Math.floor(RESOURCES / 20));
  const images = RESOURCES - flavors;
  console.log(
    `\n== scale: a generated cloud of ${RESOURCES.toLocaleString('en')} resources (${flavors} flavors, ${images.toLocaleString('en')} images), both profiles, SQLite, validation in process`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'gxg-bench-scale-'));
  writeFileSync(
    join(dir, 'gx-gateway.yaml'),
    stringify({
      publicBaseUrl: 'https://provider.example',
      keys: { dir: 'keys' },
      provider: DEMO_PROVIDER,
      limits: { maxSetCredentials: 100_000 },
    }),
  );
  const loaded = loadConfig({ file: join(dir, 'gx-gateway.yaml'), env: {} });
  const svc = CredentialService.open(loaded, {});
  await svc.keys.create({ type: 'RSA', id: 'rsa', rsaBits: 2048 });
  const os = await startFakeOpenStack({ seed: syntheticSeed(flavors, images) });
  const cloudsYaml = join(dir, 'clouds.yaml');
  writeFileSync(cloudsYaml, os.cloudsYaml('bench'), { mode: 0o600 });
  const spec = { openstack: [{ cloud: 'bench' }] };
  const env = { ...process.env, OS_CLIENT_CONFIG_FILE: cloudsYaml };
  const store = await Store.open({ file: join(dir, 'gx.sqlite') });
  await store.clouds.put(
    {
      id: 'bench',
      name: 'bench',
      sources: '{}',
      profiles: '["gaia-x-25.11","tagus-22.10"]',
      interval_seconds: 86400,
      enabled: 1,
    },
    'bench',
  );
  const runner = new CloudRunner({
    store,
    signer: svc,
    canonizer: svc.canonizer,
    baseUrl: 'https://provider.example',
    provider: loaded.config.provider!,
    resolveSources: async () => ({ spec, env }),
    leaseMs: 3_600_000,
    maxSetCredentials: 100_000,
  });
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 200);
  const before = process.memoryUsage().rss;
  const t0 = performance.now();
  const first = await runner.run('bench', 'bench');
  const tFirst = performance.now() - t0;
  if (!('run' in first) || first.run.state !== 'succeeded') throw new Error(`scale run: ${JSON.stringify(first)}`);
  // The sampler may not have run during a short run (the run keeps the event loop busy): sample now too.
  const peakFirst = (peak = Math.max(peak, process.memoryUsage().rss));
  const t1 = performance.now();
  const again = await runner.run('bench', 'bench');
  const tAgain = performance.now() - t1;
  clearInterval(sampler);
  if (!('run' in again) || again.run.state !== 'succeeded') throw new Error(`scale re-run: ${JSON.stringify(again)}`);
  const count = Number(
    (
      await store.db
        .selectFrom('credentials')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirst()
    )?.n ?? 0,
  );
  const stages = JSON.parse(first.run.stages) as Record<string, { ms?: number }>;
  const stagesAgain = JSON.parse(again.run.stages) as Record<string, { ms?: number }>;

  // Floors: introspection itself; per credential (a sample of 500 of this cloud's), one JSON-LD
  // expansion, and canonicalization plus a raw RSA-PSS signature.
  const ti = performance.now();
  const inventory = await introspect(spec, { env });
  const tIntro = performance.now() - ti;
  const sample = describeBoth(inventory, loaded.config.provider!, svc.did)
    .filter((_, i, all) => i % Math.max(1, Math.floor(all.length / 500)) === 0)
    .slice(0, 500);
  const floors = await pipelineFloors(sample);
  const expandEach = floors.expandMs / sample.length;
  const signEach = floors.canonicalizeSignMs / sample.length;
  const floor = tIntro + count * (expandEach + signEach);
  const mib = (b: number) => (b / 1024 / 1024).toFixed(0);
  console.log(
    `  ${count.toLocaleString('en')} credentials; floor = introspect ${tIntro.toFixed(0)} ms + ${count.toLocaleString('en')} × (expand ${expandEach.toFixed(2)} ms + canonicalize and sign ${signEach.toFixed(2)} ms) = ${(floor / 1000).toFixed(1)} s`,
  );
  console.log(
    `  first run   ${(tFirst / 1000).toFixed(1).padStart(6)} s, ${((count / tFirst) * 1000).toFixed(0)} credentials/s ×floor ${(tFirst / floor).toFixed(2)}   stages: ${Object.entries(
      stages,
    )
      .map(([k, v]) => `${k} ${((v.ms ?? 0) / 1000).toFixed(1)} s`)
      .join(', ')}`,
  );
  console.log(
    `  re-run      ${(tAgain / 1000).toFixed(1).padStart(6)} s (nothing changed, nothing validated or signed) ×introspect ${(tAgain / tIntro).toFixed(2)}   stages: ${Object.entries(
      stagesAgain,
    )
      .map(([k, v]) => `${k} ${((v.ms ?? 0) / 1000).toFixed(1)} s`)
      .join(', ')}`,
  );
  console.log(
    `  resident memory: ${mib(before)} MiB before, peak ${mib(peakFirst)} MiB in the first run, ${mib(peak)} MiB peak overall (the bench process: gateway, fake OpenStack and store in one)`,
  );
  console.log(
    `  goal pipeline: ${((count / tFirst) * 1000).toFixed(0)} credentials/s (goal ≥ 1,000), ×${(tFirst / floor).toFixed(2)} floors (goal ≤ 1.5); goal re-run: ${(tAgain / 1000).toFixed(1)} s (goal ≤ 2 s)`,
  );
  await store.close();
  await os.close();
  await svc.close();
  rmSync(dir, { recursive: true, force: true });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await benchScale();
