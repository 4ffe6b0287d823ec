// Event → served credential on the real OpenStack (scripts/openstack-lite, its services sending
// notifications to the local RabbitMQ), issue 21: BENCH_UPLOADS (default 20) images uploaded one
// after another through Glance's API, each timed from the API call to its credential published;
// the floor is the event run's own duration (what the quiet period and the queue add is the rest).
// Then an event storm: 500 updates of one image in about 10 s (three at a time), and the runs it
// cost. The default quiet period (2 s) and longest delay (30 s), no minimum interval. Skipped when
// openstack-lite is not running. Also run alone: node dist/bench/events.js (after npm run build).
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import amqp from 'amqplib';
import { stringify } from 'yaml';
import { startGateway } from '../src/app/server.js';
import { DEMO_PROVIDER, loadConfig } from '../src/config/load.js';
import { openstackApi, until, uploadImage } from '../test/helpers/openstack-api.js';
import { goal } from './harness.js';

const CLOUDS = process.env.BENCH_OPENSTACK_LITE_CLOUDS ?? '/tmp/gx-openstack-lite/clouds.yaml';
const UPLOADS = Number(process.env.BENCH_UPLOADS ?? 20);
const STORM = 500;

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

export async function benchEvents(): Promise<void> {
  console.log('\n== events: an image uploaded through Glance → its credential served (openstack-lite, RabbitMQ)');
  const amqpFile = join(dirname(CLOUDS), 'amqp-url');
  if (!existsSync(CLOUDS) || !existsSync(amqpFile)) {
    console.log(
      '  skipped: openstack-lite is not running with notifications (scripts/openstack-lite/openstack-lite up)',
    );
    return;
  }
  const amqpUrl = readFileSync(amqpFile, 'utf8').trim();
  process.env.OS_CLIENT_CONFIG_FILE = CLOUDS;
  process.env.BENCH_AMQP_URL = amqpUrl;
  const queue = `gx-gateway-bench.${randomUUID().slice(0, 8)}`;
  const dir = mkdtempSync(join(tmpdir(), 'gxg-bench-events-'));
  const file = join(dir, 'gx-gateway.yaml');
  writeFileSync(
    file,
    stringify({
      // A development address: dev keys, no trust anchors needed (nothing here is verified).
      publicBaseUrl: 'http://gateway.test',
      server: { port: 0, host: '127.0.0.1' },
      keys: { dir: 'keys', generateDevKeys: true },
      log: { level: 'silent' },
      database: { file: 'gx.sqlite' },
      provider: DEMO_PROVIDER,
      sources: { openstack: [{ cloud: 'openstack-lite', notifications: { urlEnv: 'BENCH_AMQP_URL', queue } }] },
      clouds: [{ id: 'bench', name: 'openstack-lite', useSources: true, intervalSeconds: 3600 }],
      // The default quiet period (2 s) and longest delay (30 s); no minimum interval, so uploads
      // one after another each get their own run (with the default 10 s, each would wait for it).
      scheduler: { tickSeconds: 0.5, events: { minIntervalSeconds: 0 } },
    }),
  );
  const gw = await startGateway(loadConfig({ file, env: {} }));
  const store = gw.service.store;
  const api = await openstackApi(CLOUDS);
  const glance = api.endpoint('image');
  const images: string[] = [];
  const seed = JSON.parse(
    readFileSync(fileURLToPath(new URL('../../data/demo/openstack-seed.json', import.meta.url)), 'utf8'),
  ) as { images: { properties: Record<string, string> }[] };
  try {
    await until(
      'the first run',
      async () => {
        const run = await store.runs.last('bench');
        return run && run.state !== 'running' ? run : undefined;
      },
      300_000,
    );
    await until('the event consumer', async () => ((await gw.service.ready())['events:bench'] ? true : undefined));
    const latencies: number[] = [];
    const runMs: number[] = [];
    for (let i = 0; i < UPLOADS; i++) {
      const t0 = performance.now();
      const id = await uploadImage(
        api,
        seed.images[0]!.properties,
        `Ubuntu 24.04 bench ${i} ${randomUUID().slice(0, 6)}`,
      );
      images.push(id);
      await until(
        `image ${i}`,
        () =>
          store.credentials
            .list({ cloud: 'bench', state: 'published', limit: 1000 })
            .then((rows) => rows.find((r) => r.base_id.includes(id))),
        120_000,
      );
      latencies.push(performance.now() - t0);
      const run = (await store.runs.list({ cloud: 'bench', limit: 5 })).find(
        (r) => r.trigger === 'event' && r.finished_at && r.summary.includes(id),
      );
      if (run) runMs.push(Date.parse(run.finished_at!) - Date.parse(run.started_at));
    }
    const sorted = [...latencies].sort((a, b) => a - b);
    const runs = [...runMs].sort((a, b) => a - b);
    const p50 = pct(sorted, 50);
    const p99 = pct(sorted, 99);
    const floor = pct(runs, 50);
    console.log(
      `  ${UPLOADS} uploads: upload → served p50 ${(p50 / 1000).toFixed(2)} s, p99 ${(p99 / 1000).toFixed(2)} s; the event run itself (floor) p50 ${(floor / 1000).toFixed(2)} s (×${(p50 / floor).toFixed(2)})`,
    );

    // The storm: one image updated STORM times, as fast as Glance answers (about 10 s here).
    const target = images[0]!;
    const before = (await store.runs.list({ cloud: 'bench', limit: 1000 })).length;
    const t0 = performance.now();
    let next = 0;
    await Promise.all(
      [0, 1, 2].map(async () => {
        for (let i = next++; i < STORM; i = next++)
          await api.call(
            'PATCH',
            `${glance}/v2/images/${target}`,
            [{ op: 'add', path: '/gx_bench_counter', value: String(i) }],
            'application/openstack-images-v2.1-json-patch',
          );
      }),
    );
    const stormMs = performance.now() - t0;
    const stormEnd = Date.now();
    // Settled: every event has had its run (with the defaults, within the quiet period and the
    // minimum interval of the last update) and no run is going.
    await until(
      'the storm settled',
      async () => {
        const [last] = await store.runs.list({ cloud: 'bench', limit: 1 });
        return Date.now() > stormEnd + 12_500 && last && last.state !== 'running' ? last : undefined;
      },
      180_000,
    );
    const cost = (await store.runs.list({ cloud: 'bench', limit: 1000 })).length - before;
    console.log(`  storm: ${STORM} image updates in ${(stormMs / 1000).toFixed(1)} s cost ${cost} runs`);
    goal(
      `goal events: upload → served p50 ${(p50 / 1000).toFixed(2)} s, p99 ${(p99 / 1000).toFixed(2)} s over ${UPLOADS} uploads (goal p99 ≤ 10 s), ×${(p50 / floor).toFixed(2)} of the run itself; a storm of ${STORM} updates in ${(stormMs / 1000).toFixed(1)} s cost ${cost} runs (goal ≤ 3)`,
    );
  } finally {
    for (const id of images) await api.call('DELETE', `${glance}/v2/images/${id}`).catch(() => undefined);
    await gw.close();
    const conn = await amqp.connect(amqpUrl);
    await (await conn.createChannel()).deleteQueue(queue).catch(() => undefined);
    await conn.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await benchEvents();
