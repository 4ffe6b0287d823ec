// Issue 21: one consumer per cloud across instances. Two gateway processes share a PostgreSQL
// database and a cloud whose notifications they read from one queue: the database lease lets one
// consume, the other stands by (ready). The consumer is killed (SIGKILL); an image uploaded while
// nobody consumes waits in the durable queue, the other instance takes the lease over and serves
// the image's credential: nothing is lost.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { stringify } from 'yaml';
import { Store } from '../../src/store/store.js';
import { postgresDatabase } from '../helpers/databases.js';
import { openstackApi, until, uploadImage } from '../helpers/openstack-api.js';
import { openstackLiteWithNotifications } from '../helpers/openstack-lite.js';
import { fromRoot } from '../helpers/root.js';
import { removeDir, serveProcess, serviceConfig } from '../helpers/service.js';

const lite = await openstackLiteWithNotifications();
if ('skip' in lite) {
  t.plan(0, lite.skip);
} else {
  const { amqpUrl } = lite;
  process.env.OS_CLIENT_CONFIG_FILE = lite.cloudsYaml;
  process.env.OSL_AMQP_URL = amqpUrl;
  const queue = `gx-gateway-test.${randomUUID().slice(0, 8)}`;
  const db = await postgresDatabase();
  const dir = mkdtempSync(join(tmpdir(), 'gxg-takeover-'));
  const file = join(dir, 'gx-gateway.yaml');
  writeFileSync(
    file,
    stringify(
      serviceConfig(db.location, {
        log: { level: 'info' },
        clouds: [{ id: 'events', name: 'openstack-lite', useSources: true, intervalSeconds: 3600 }],
        sources: { openstack: [{ cloud: 'openstack-lite', notifications: { urlEnv: 'OSL_AMQP_URL', queue } }] },
        scheduler: { tickSeconds: 0.2, leaseSeconds: 3, events: { quietSeconds: 0.3, minIntervalSeconds: 0 } },
      }),
    ),
  );
  const store = await Store.open(db.location);
  const api = await openstackApi(lite.cloudsYaml);
  const glance = api.endpoint('image');
  const a = await serveProcess(file, dir);
  const b = await serveProcess(file, dir);
  const images: string[] = [];
  t.teardown(async () => {
    for (const id of images) await api.call('DELETE', `${glance}/v2/images/${id}`).catch(() => undefined);
    await Promise.all(
      [a, b].map((p) => {
        if (p.child.exitCode !== null || p.child.signalCode !== null) return undefined;
        const exited = new Promise((r) => p.child.once('exit', r));
        p.child.kill('SIGKILL');
        return exited;
      }),
    );
    await store.close();
    const conn = await amqp.connect(amqpUrl);
    await (await conn.createChannel()).deleteQueue(queue).catch(() => undefined);
    await conn.close();
    await db.drop();
    removeDir(dir);
  });
  const lease = `events:events:${queue}`;
  const seed = JSON.parse(readFileSync(fromRoot('data/demo/openstack-seed.json'), 'utf8')) as {
    images: { properties: Record<string, string> }[];
  };

  t.test('one instance consumes, the other stands by; killed, the other takes over and loses nothing', async (t) => {
    const holder = await until('an instance holding the event lease', () =>
      store.leases.holder(lease).then((h) => h?.holder),
    );
    const [consuming, standing] = holder.split(':')[1] === String(a.child.pid) ? [a, b] : [b, a];
    t.equal(holder.split(':')[1], String(consuming.child.pid), 'one of the two holds it');
    const ready = async (url: string) =>
      ((await (await fetch(`${url}/ready`)).json()) as { checks: Record<string, boolean> }).checks['events:events'];
    await until('the consumer connected', async () => ((await ready(consuming.url)) ? true : undefined));
    t.equal(await ready(standing.url), true, 'the one standing by is ready too (the cloud is consumed)');
    // The first (scheduled) run of the cloud, by whichever instance took it.
    await until(
      'the first run',
      async () => {
        const [run] = await store.runs.list({ cloud: 'events', limit: 1 });
        return run && run.state !== 'running' ? run : undefined;
      },
      180_000,
    );

    consuming.child.kill('SIGKILL');
    await new Promise((r) => consuming.child.once('exit', r));
    const started = Date.now();
    const id = await uploadImage(api, seed.images[0]!.properties, `Ubuntu 24.04 takeover ${randomUUID().slice(0, 6)}`);
    images.push(id);
    const row = await until('the image credential, from the other instance', () =>
      store.credentials
        .list({ cloud: 'events', state: 'published', limit: 1000 })
        .then((rows) => rows.find((r) => r.base_id.includes(id))),
    );
    t.comment(`consumer killed, image uploaded → served by the other instance: ${Date.now() - started} ms`);
    const newHolder = (await store.leases.holder(lease))?.holder ?? '';
    t.equal(newHolder.split(':')[1], String(standing.child.pid), 'the other instance holds the event lease now');
    const run = (await store.runs.list({ cloud: 'events', limit: 5 })).find((r) => r.trigger === 'event');
    t.ok(run, 'an event run');
    t.equal(run?.holder.split(':')[1], String(standing.child.pid), 'run by the instance that took over');
    t.match(JSON.parse(run!.summary) as object, { cause: { resources: [id] } }, 'caused by the upload');
    const served = await fetch(`${standing.url}${new URL(row.id).pathname}`);
    t.equal(served.status, 200);
  });
}
