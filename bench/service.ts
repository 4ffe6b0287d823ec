// The service: HTTP throughput with 100,000 published credentials in the store, on SQLite and on
// PostgreSQL (single credential, and listing pages: first and deep, with and without the type
// filter, with and without ETag revalidation) against the same server answering /health,
// measured in one run with autocannon against a gateway in its own process; a full pipeline run
// over the demo cloud against the sum of its stages' floors; resident memory of the service.
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { stringify } from 'yaml';
import { demoSources } from '../src/app/demo.js';
import { CredentialService } from '../src/app/credential-service.js';
import { DEMO_PROVIDER, loadConfig } from '../src/config/load.js';
import { startDemoCloud } from '../src/demo/cloud.js';
import { introspect } from '../src/pipeline/introspect.js';
import { CloudRunner } from '../src/pipeline/runner.js';
import { Approvals } from '../src/approval/approvals.js';
import { Store } from '../src/store/store.js';
import { benchCloud, benchDatabase, describeBoth, goal, pipelineFloors } from './harness.js';

const BIN = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const TOKEN = 'bench-operator-token-0123456789';

function serve(dir: string, file: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [BIN, '--config', file, 'serve'], {
    cwd: dir,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /"listening":"(http:\/\/[^"]+)"/.exec(out);
      if (m) resolve({ child, url: m[1]! });
    });
    child.on('exit', (code) => reject(new Error(`gateway exited (${code}): ${out.slice(-300)}`)));
  });
}

const rssMiB = (pid: number) =>
  Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

async function load(
  title: string,
  url: string,
  opts: { paths?: string[]; headers?: Record<string, string> } = {},
): Promise<{ rps: number; p99: number }> {
  let i = 0;
  const paths = opts.paths ?? [new URL(url).pathname + new URL(url).search];
  const r = await autocannon({
    url: new URL(url).origin,
    connections: 32,
    duration: 4,
    requests: [
      {
        setupRequest: (req) => ({ ...req, path: paths[i++ % paths.length]!, headers: { ...(opts.headers ?? {}) } }),
      },
    ],
  });
  if (r.non2xx && !opts.headers?.['if-none-match']) throw new Error(`${title}: ${r.non2xx} non-2xx answers`);
  return { rps: r.requests.average, p99: r.latency.p99 };
}

/** How many credentials the listing is measured over (goal: 100,000). */
const STORE_SIZE = Number(process.env.BENCH_CREDENTIALS ?? 100_000);

const cursorOf = (r: { updated_at: string; id: string }) =>
  Buffer.from(JSON.stringify([r.updated_at, r.id])).toString('base64url');

export async function benchService(): Promise<void> {
  const lines: string[] = [];
  for (const kind of ['sqlite', 'postgres'] as const) lines.push(await benchListing(kind));
  console.log('\n== listing goals, each against its floor in the same run');
  for (const g of lines) goal(g);
  await benchPipeline();
}

/**
 * The public listing over a store of STORE_SIZE credentials on one database: first and deep pages
 * (a cursor 90 % in), with and without the type filter, against /health of the same server.
 */
async function benchListing(kind: 'sqlite' | 'postgres'): Promise<string> {
  console.log(
    `\n== service: ${STORE_SIZE.toLocaleString('en')} published credentials in ${kind === 'sqlite' ? 'SQLite' : 'PostgreSQL'}, gateway in its own process, autocannon (32 connections, 4 s each)`,
  );
  const dir = mkdtempSync(join(tmpdir(), 'gxg-bench-svc-'));
  const file = join(dir, 'gx-gateway.yaml');
  const { location: database, drop: dropDb } = await benchDatabase(kind, dir);
  writeFileSync(
    file,
    stringify({
      publicBaseUrl: 'http://gateway.bench',
      server: { port: 0 },
      keys: { dir: 'keys', generateDevKeys: true },
      log: { level: 'info' },
      database,
      provider: DEMO_PROVIDER,
      api: { adminTokenSha256: createHash('sha256').update(TOKEN).digest('hex'), rateLimitPerMinute: 10_000_000 },
      clouds: [{ id: 'demo', demo: true, intervalSeconds: 86400 }],
    }),
  );
  // A real run first (the demo cloud), then its credentials copied to STORE_SIZE (same body, other
  // ids and times; one in ten a ServerFlavor for the type filter).
  let { child, url } = await serve(dir, file);
  for (;;) {
    const r = await fetch(`${url}/admin/runs?limit=1`, { headers: { authorization: `Bearer ${TOKEN}` } });
    const run = ((await r.json()) as { runs: { state: string }[] }).runs[0];
    if (run && run.state !== 'running') break;
    await new Promise((res) => setTimeout(res, 100));
  }
  const rss = rssMiB(child.pid!);
  // Validation runs in a worker thread that ends after 15 s without a set.
  await new Promise((r) => setTimeout(r, 16_000));
  const rssIdle = rssMiB(child.pid!);
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  const store = await Store.open(database);
  const template = (await store.credentials.list({ state: 'published', limit: 1000 }))[0]!;
  const body = (await store.credentials.get(template.id))!.body;
  const base = Date.parse('2027-01-01T00:00:00Z');
  const existing = (await store.credentials.list({ limit: 100000 })).length;
  const tInsert = performance.now();
  const batch = kind === 'postgres' ? 500 : 200;
  for (let from = 0; from < STORE_SIZE - existing; from += batch) {
    const rows = Array.from({ length: Math.min(batch, STORE_SIZE - existing - from) }, (_, k) => {
      const i = from + k;
      return {
        ...template,
        id: `http://gateway.bench/credentials/25.11/bench/${i}/v/1`,
        base_id: `http://gateway.bench/credentials/25.11/bench/${i}`,
        types: JSON.stringify([i % 10 === 0 ? 'ServerFlavor' : 'VMImage']),
        body,
        status_index: 1_000_000 + i,
        superseded_at: null,
        superseded_by: null,
        revoked_at: null,
        updated_at: new Date(base + i).toISOString(),
      };
    });
    await store.db.insertInto('credentials').values(rows).execute();
  }
  // A settled database: PostgreSQL's autovacuum analyzes a table after such a load on its own
  // within a minute; the benchmark does not wait for it. (SQLite keeps no statistics unless asked.)
  if (kind === 'postgres') await sql`analyze`.execute(store.db);
  const insertMs = performance.now() - tInsert;
  const count = Number(
    (
      await store.db
        .selectFrom('credentials')
        .select((eb) => eb.fn.countAll().as('n'))
        .executeTakeFirst()
    )?.n ?? 0,
  );
  // Cursors 90 % into the listing and into one type's listing: what a catalogue paging through sends.
  const at = async (offset: number, type?: string) =>
    cursorOf(
      type
        ? await store.db
            .selectFrom('credential_types')
            .select(['updated_at', 'credential_id as id'])
            .where('type', '=', type)
            .orderBy('updated_at')
            .orderBy('credential_id')
            .offset(offset)
            .limit(1)
            .executeTakeFirstOrThrow()
        : await store.db
            .selectFrom('credentials')
            .select(['updated_at', 'id'])
            .orderBy('updated_at')
            .orderBy('id')
            .offset(offset)
            .limit(1)
            .executeTakeFirstOrThrow(),
    );
  // 500 distinct cursors (every 100th credential from the middle on): more pages than the
  // gateway keeps rendered (8 MiB), read in turn, so each is read from the store.
  const everyId = await store.db
    .selectFrom('credentials')
    .select(['updated_at', 'id'])
    .orderBy('updated_at')
    .orderBy('id')
    .execute();
  const distinct = Array.from({ length: 500 }, (_, k) => everyId[Math.floor(count / 2) + k * 90]!).map(
    (r) => `/credentials?limit=100&cursor=${cursorOf(r)}`,
  );
  const deep = await at(Math.floor(count * 0.9));
  const deepType = await at(Math.floor(count * 0.09), 'ServerFlavor');
  await store.close();
  ({ child, url } = await serve(dir, file));
  const ids = Array.from({ length: 500 }, (_, i) => `/credentials/25.11/bench/${i * 17}/v/1`);
  const etag = (await fetch(`${url}${ids[0]}`)).headers.get('etag')!;
  const listEtag = (await fetch(`${url}/credentials?limit=100`)).headers.get('etag')!;
  const floor = await load('health', `${url}/health`);
  const pages: [string, string][] = [
    ['GET /credentials?limit=100 (first page)', '/credentials?limit=100'],
    ['  a deep page (cursor 90 % in)', `/credentials?limit=100&cursor=${deep}`],
    ['  type=ServerFlavor (first page)', '/credentials?type=ServerFlavor&limit=100'],
    ['  type=ServerFlavor, a deep page', `/credentials?type=ServerFlavor&limit=100&cursor=${deepType}`],
  ];
  for (const [title, path] of pages) {
    const r = await fetch(`${url}${path}`);
    const n = ((await r.json()) as { items: unknown[] }).items.length;
    if (n !== 100) throw new Error(`${title}: ${n} items, not 100`);
  }
  const listed: [string, { rps: number; p99: number }][] = [];
  for (const [title, path] of pages) listed.push([title, await load(title, `${url}${path}`)]);
  // The same pages are kept rendered (by ETag): the cases above are what pollers of one page get;
  // 500 distinct deep pages in turn are what a crawler gets, each from the store.
  listed.push(['  500 distinct deep pages in turn (uncached)', await load('distinct pages', url, { paths: distinct })]);
  const results: [string, { rps: number; p99: number }][] = [
    ['GET /health (floor)', floor],
    ['GET one credential (500 ids)', await load('credential', url, { paths: ids })],
    [
      '  revalidated (If-None-Match → 304)',
      await load('credential 304', url, { paths: [ids[0]!], headers: { 'if-none-match': etag } }),
    ],
    ...listed,
    [
      '  first page revalidated (If-None-Match → 304)',
      await load('listing 304', `${url}/credentials?limit=100`, { headers: { 'if-none-match': listEtag } }),
    ],
  ];
  console.log(`  ${count.toLocaleString('en')} credentials in the store (${(insertMs / 1000).toFixed(1)} s to insert)`);
  for (const [title, r] of results)
    console.log(
      `  ${title.padEnd(46)} ${r.rps.toFixed(0).padStart(7)} req/s  p99 ${String(r.p99).padStart(4)} ms  ×floor ${(r.rps / floor.rps).toFixed(2)}`,
    );
  const rss2 = rssMiB(child.pid!);
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
  console.log(
    `  resident memory of the service: ${rss.toFixed(0)} MiB right after its first run (validation worker alive), ${rssIdle.toFixed(0)} MiB between runs (worker ended), ${rss2.toFixed(0)} MiB after the HTTP load (goal ≤ 250)`,
  );
  rmSync(dir, { recursive: true, force: true });
  await dropDb();
  const polled = listed.slice(0, -1);
  const worst = polled.reduce((a, b) => (b[1].rps < a[1].rps ? b : a));
  const p99 = Math.max(...polled.map(([, r]) => r.p99));
  const cold = listed.at(-1)![1];
  return (
    `goal listing (${kind}, ${count.toLocaleString('en')} credentials): slowest polled page ${worst[1].rps.toFixed(0)} req/s (goal ≥ 2,000), ×${(worst[1].rps / floor.rps).toFixed(2)} of /health, p99 ≤ ${p99} ms (goal ≤ 50); ` +
    `distinct pages ${cold.rps.toFixed(0)} req/s, p99 ${cold.p99} ms`
  );
}

/** A full pipeline run over the demo cloud against the sum of its stages' floors. */
async function benchPipeline(): Promise<void> {
  console.log('\n== pipeline: one run over the demo cloud (both profiles) against the sum of its stages’ floors');
  const dir = mkdtempSync(join(tmpdir(), 'gxg-bench-run-'));
  writeFileSync(
    join(dir, 'gx-gateway.yaml'),
    stringify({ publicBaseUrl: 'https://provider.example', keys: { dir: 'keys' }, provider: DEMO_PROVIDER }),
  );
  const loaded = loadConfig({ file: join(dir, 'gx-gateway.yaml'), env: {} });
  const svc = CredentialService.open(loaded, {});
  await svc.keys.create({ type: 'RSA', id: 'rsa', rsaBits: 2048 });
  const demo = await startDemoCloud();
  const { spec, env } = demoSources(demo);
  const store = await Store.open({ file: join(dir, 'gx.sqlite') });
  await benchCloud(store, 'demo');
  const runnerFor = (approval: boolean) =>
    new CloudRunner({
      store,
      signer: svc,
      canonizer: svc.canonizer,
      baseUrl: 'https://provider.example',
      provider: loaded.config.provider!,
      resolveSources: async () => ({ spec, env }),
      leaseMs: 60_000,
      approval,
    });
  const runner = runnerFor(false);
  // Warm (shapes compiled, contexts parsed), in another cloud id so the measured run is a first run.
  await benchCloud(store, 'warm');
  await runner.run('warm', 'bench');
  const t0 = performance.now();
  const first = await runner.run('demo', 'bench');
  const tFirst = performance.now() - t0;
  const t1 = performance.now();
  await runner.run('demo', 'bench');
  const tAgain = performance.now() - t1;
  if (!('run' in first) || first.run.state !== 'succeeded') throw new Error(`bench run: ${JSON.stringify(first)}`);
  const stages = JSON.parse(first.run.stages) as Record<string, { ms: number }>;

  // Floors: introspection itself; one JSON-LD expansion per credential (the least validation
  // needs); canonicalization + a raw RSA-PSS signature per credential (the least signing needs).
  const ti = performance.now();
  const inventory = await introspect(spec, { env });
  const tIntro = performance.now() - ti;
  const creds = describeBoth(inventory, loaded.config.provider!, svc.did);
  const { expandMs: tExpand, canonicalizeSignMs: tCanonSign } = await pipelineFloors(creds);
  const floor = tIntro + tExpand + tCanonSign;
  console.log(
    `  ${creds.length} credentials; floor = introspect ${tIntro.toFixed(0)} ms + expand each ${tExpand.toFixed(0)} ms + canonicalize and sign each ${tCanonSign.toFixed(0)} ms = ${floor.toFixed(0)} ms`,
  );
  console.log(
    `  first run (everything new)   ${tFirst.toFixed(0).padStart(6)} ms ×floor ${(tFirst / floor).toFixed(2)}   stages: ${Object.entries(
      stages,
    )
      .map(([k, v]) => `${k} ${v.ms} ms`)
      .join(', ')}`,
  );
  console.log(
    `  re-run (nothing changed)     ${tAgain.toFixed(0).padStart(6)} ms ×(introspect + expand) ${(tAgain / (tIntro + tExpand)).toFixed(2)}   (nothing signed)`,
  );

  // Approval mode: a run that drafts (validates, signs nothing), then an officer approving the whole
  // set: signed with the gateway key and published in one transaction. Floor: canonicalize and sign each.
  await benchCloud(store, 'approval');
  const drafting = runnerFor(true);
  const td = performance.now();
  await drafting.run('approval', 'bench');
  const tDraft = performance.now() - td;
  const approvals = new Approvals({ store, signer: svc, leaseMs: 60_000, defaultSuite: 'jws2020' });
  const ta = performance.now();
  const approved = await approvals.approve({ cloud: 'approval' }, 'bench');
  const tApprove = performance.now() - ta;
  console.log(
    `  approval mode: drafting run   ${tDraft.toFixed(0).padStart(6)} ms (nothing signed); approving the set of ${approved.approved.length}: ${tApprove.toFixed(0)} ms ×(canonicalize and sign each) ${(tApprove / tCanonSign).toFixed(2)}`,
  );
  await store.close();
  await demo.close();
  await svc.close();
  rmSync(dir, { recursive: true, force: true });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await benchService();
