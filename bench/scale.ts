// A generated cloud through the pipeline (issue 20, goals 1, 2 and 5): BENCH_RESOURCES resources
// (default 10,000: 500 flavors, the rest images; src/demo/openstack.ts's syntheticSeed, the same
// cloud every time) in the fake OpenStack, both profiles, into SQLite and into PostgreSQL, set up as
// the gateway runs it (validation in its worker thread, signing in the signing threads): the first
// run (everything new) against its floors, the main thread's event-loop delay during it (what
// /health would wait), a re-run of the unchanged cloud, and the resident memory of the gateway (each
// database's runs in a process of their own, the fake OpenStack in this one). Floors
// per credential are measured first, on a sample of 500 of the cloud's own credentials, with jsonld
// and node:crypto alone. Also run alone: node dist/bench/scale.js (after npm run build).
import { spawn } from 'node:child_process';
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
import { workerValidator } from '../src/pipeline/validate-in-worker.js';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Store } from '../src/store/store.js';
import { benchCloud, benchDatabase, describeBoth, goal, pipelineFloors } from './harness.js';

const RESOURCES = Number(process.env.BENCH_RESOURCES ?? 10_000);
/** The databases measured (BENCH_DATABASES=sqlite for one). */
const DATABASES = (process.env.BENCH_DATABASES ?? 'sqlite,postgres')
  .split(',')
  .filter((k): k is 'sqlite' | 'postgres' => k === 'sqlite' || k === 'postgres');

export async function benchScale(): Promise<void> {
  const flavors = Math.min(500, Math.floor(RESOURCES / 20));
  const images = RESOURCES - flavors;
  console.log(
    `\n== scale: a generated cloud of ${RESOURCES.toLocaleString('en')} resources (${flavors} flavors, ${images.toLocaleString('en')} images), both profiles, as the gateway runs it (validation in its worker, signing in its threads)`,
  );
  const os = await startFakeOpenStack({ seed: syntheticSeed(flavors, images) });
  try {
    // Floors first, in a fresh process heap: introspection itself; per credential (a sample of 500
    // of this cloud's), one JSON-LD expansion, and canonicalization plus a raw RSA-PSS signature.
    const dir = mkdtempSync(join(tmpdir(), 'gxg-bench-scale-'));
    const cloudsYaml = join(dir, 'clouds.yaml');
    writeFileSync(cloudsYaml, os.cloudsYaml('bench'), { mode: 0o600 });
    const spec = { openstack: [{ cloud: 'bench' }] };
    const env = { ...process.env, OS_CLIENT_CONFIG_FILE: cloudsYaml };
    const ti = performance.now();
    const inventory = await introspect(spec, { env });
    const tIntro = performance.now() - ti;
    writeFileSync(
      join(dir, 'gx-gateway.yaml'),
      stringify({ publicBaseUrl: 'https://provider.example', provider: DEMO_PROVIDER }),
    );
    const provider = loadConfig({ file: join(dir, 'gx-gateway.yaml'), env: {} }).config.provider!;
    const all = describeBoth(inventory, provider, 'did:web:provider.example');
    const sample = all.filter((_, i) => i % Math.max(1, Math.floor(all.length / 500)) === 0).slice(0, 500);
    const floors = await pipelineFloors(sample);
    const perCredential = (floors.expandMs + floors.canonicalizeSignMs) / sample.length;
    console.log(
      `  floors: introspect ${tIntro.toFixed(0)} ms; per credential expand ${(floors.expandMs / sample.length).toFixed(2)} ms + canonicalize and sign ${(floors.canonicalizeSignMs / sample.length).toFixed(2)} ms (one thread)`,
    );
    // Each database's runs in a process of its own: what its resident memory shows is the gateway
    // alone (not this process's fake OpenStack and floors, nor the other database's run).
    for (const kind of DATABASES) {
      const out = await runChild(kind, cloudsYaml, { introspectMs: tIntro, perCredentialMs: perCredential });
      for (const line of out) goal(line);
    }
    rmSync(dir, { recursive: true, force: true });
  } finally {
    await os.close();
  }
}

interface Floors {
  introspectMs: number;
  perCredentialMs: number;
}

const GOALS = 'goals: ';

/** One database's runs in a child process (this file with BENCH_SCALE_ON); its goal lines back. */
function runChild(kind: 'sqlite' | 'postgres', cloudsYaml: string, floors: Floors): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url)], {
      env: {
        ...process.env,
        BENCH_SCALE_ON: JSON.stringify({ kind, cloudsYaml, floors }),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let goalsLine = '';
    let buffered = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (line.startsWith(GOALS)) goalsLine = line.slice(GOALS.length);
        else console.log(line);
      }
    });
    child.on('error', reject);
    child.on('exit', (code) =>
      code === 0 && goalsLine
        ? resolve(JSON.parse(goalsLine) as string[])
        : reject(new Error(`scale run on ${kind} exited with ${code}`)),
    );
  });
}

async function scaleOn(kind: 'sqlite' | 'postgres', cloudsYaml: string, floors: Floors): Promise<string[]> {
  const lines: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'gxg-bench-scale-'));
  const db = await benchDatabase(kind, dir);
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
  const spec = { openstack: [{ cloud: 'bench' }] };
  const env = { ...process.env, OS_CLIENT_CONFIG_FILE: cloudsYaml };
  const store = await Store.open(db.location);
  await benchCloud(store, 'bench');
  const validate = workerValidator({ localContexts: [], limits: svc.canonizeLimits }, 2_000);
  const runner = new CloudRunner({
    store,
    signer: svc,
    canonizer: svc.canonizer,
    baseUrl: 'https://provider.example',
    provider: loaded.config.provider!,
    resolveSources: async () => ({ spec, env }),
    leaseMs: 3_600_000,
    maxSetCredentials: 100_000,
    validate,
  });
  let peak = 0;
  let heapPeak = 0;
  const sampler = setInterval(() => {
    const m = process.memoryUsage();
    peak = Math.max(peak, m.rss);
    heapPeak = Math.max(heapPeak, m.heapUsed);
  }, 100);
  const before = process.memoryUsage().rss;
  const delay = monitorEventLoopDelay({ resolution: 10 });
  delay.enable();
  const t0 = performance.now();
  const first = await runner.run('bench', 'bench');
  const tFirst = performance.now() - t0;
  delay.disable();
  if (!('run' in first) || first.run.state !== 'succeeded') throw new Error(`scale run: ${JSON.stringify(first)}`);
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
  // Between runs: the validation worker and the signing threads end when idle.
  const detail = (what: string) => {
    if (!process.env.BENCH_MEMORY_DETAIL) return;
    (globalThis as { gc?: () => void }).gc?.();
    const m = process.memoryUsage();
    console.log(`    ${what}: rss ${(m.rss / 2 ** 20).toFixed(0)} MiB, heap ${(m.heapTotal / 2 ** 20).toFixed(0)} MiB`);
  };
  detail('after the runs');
  await validate.close();
  detail('validation worker ended');
  await svc.close();
  detail('signing threads ended');
  const mib = (b: number) => (b / 1024 / 1024).toFixed(0);
  const between = process.memoryUsage().rss;
  // What of it is live: the heap after a full collection (the child runs with --expose-gc).
  (globalThis as { gc?: () => void }).gc?.();
  const live = process.memoryUsage();
  if (process.env.BENCH_MEMORY_DETAIL) {
    console.log('    after gc', JSON.stringify(Object.fromEntries(Object.entries(live).map(([k, v]) => [k, mib(v)]))));
    await new Promise((r) => setTimeout(r, 10_000));
    (globalThis as { gc?: () => void }).gc?.();
    const later = process.memoryUsage();
    console.log(
      '    10 s later',
      JSON.stringify(Object.fromEntries(Object.entries(later).map(([k, v]) => [k, mib(v)]))),
    );
  }
  const stages = JSON.parse(first.run.stages) as Record<string, { ms?: number }>;
  const stagesAgain = JSON.parse(again.run.stages) as Record<string, { ms?: number }>;
  const floor = floors.introspectMs + count * floors.perCredentialMs;
  const rate = (count / tFirst) * 1000;
  const stageList = (s: Record<string, { ms?: number }>) =>
    Object.entries(s)
      .map(([k, v]) => `${k} ${((v.ms ?? 0) / 1000).toFixed(1)} s`)
      .join(', ');
  const name = kind === 'sqlite' ? 'SQLite' : 'PostgreSQL';
  console.log(
    `  ${name}: ${count.toLocaleString('en')} credentials; floor = introspect + ${count.toLocaleString('en')} × ${floors.perCredentialMs.toFixed(2)} ms = ${(floor / 1000).toFixed(1)} s`,
  );
  console.log(
    `    first run ${(tFirst / 1000).toFixed(1).padStart(6)} s, ${rate.toFixed(0)} credentials/s ×floor ${(tFirst / floor).toFixed(2)}   stages: ${stageList(stages)}`,
  );
  console.log(
    `    main thread during it: event-loop delay p50 ${(delay.percentile(50) / 1e6).toFixed(0)} ms, p99 ${(delay.percentile(99) / 1e6).toFixed(0)} ms, max ${(delay.max / 1e6).toFixed(0)} ms (what /health waits)`,
  );
  console.log(
    `    re-run    ${(tAgain / 1000).toFixed(1).padStart(6)} s (nothing changed, nothing validated or signed) ×introspect ${(tAgain / floors.introspectMs).toFixed(2)}   stages: ${stageList(stagesAgain)}`,
  );
  console.log(
    `    resident memory (the gateway's process: the fake OpenStack runs in another): ${mib(before)} MiB before, peak ${mib(peakFirst)} MiB in the first run (main thread's heap peak ${mib(heapPeak)} MiB), ${mib(between)} MiB after (threads ended; live heap after a full collection ${mib(live.heapUsed)} MiB, RSS then ${mib(live.rss)} MiB)`,
  );
  lines.push(
    `goal pipeline (${name}): ${rate.toFixed(0)} credentials/s (goal ≥ 1,000), ×${(tFirst / floor).toFixed(2)} floors (goal ≤ 1.5); event-loop delay p99 ${(delay.percentile(99) / 1e6).toFixed(0)} ms during the run (goal ≤ 50)`,
  );
  lines.push(`goal re-run (${name}): ${(tAgain / 1000).toFixed(1)} s for an unchanged cloud (goal ≤ 2 s)`);
  lines.push(
    `goal memory (${name}): peak ${mib(peakFirst)} MiB during the run (goal ≤ 300), ${mib(between)} MiB after it (goal ≤ 250)`,
  );
  await store.close();
  await db.drop();
  rmSync(dir, { recursive: true, force: true });
  return lines;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const on = process.env.BENCH_SCALE_ON;
  if (on) {
    const { kind, cloudsYaml, floors } = JSON.parse(on) as {
      kind: 'sqlite' | 'postgres';
      cloudsYaml: string;
      floors: Floors;
    };
    const lines = await scaleOn(kind, cloudsYaml, floors);
    console.log(`${GOALS}${JSON.stringify(lines)}`);
  } else await benchScale();
}
