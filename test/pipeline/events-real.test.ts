// Issue 21: a change in the real cloud is signed and served within seconds. openstack-lite's
// Glance, Nova, Neutron and Keystone send their oslo.messaging notifications to the local RabbitMQ;
// a gateway consumes them on a queue of its own and runs the cloud after a quiet period. An image
// uploaded through Glance's API is served as a gx:VMImage credential at its id, deleted it is
// revoked after a complete run; a flavor created through Nova's API is served as a
// gx:ServerFlavor. Each is measured from the API call to the credential being served.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import amqp from 'amqplib';
import { sqliteDatabase } from '../helpers/databases.js';
import { openstackLiteDir, openstackLiteWithNotifications } from '../helpers/openstack-lite.js';
import { removeDir, settledRun, startService, ADMIN } from '../helpers/service.js';
import { fromRoot } from '../helpers/root.js';
import { openstackApi, until, uploadImage } from '../helpers/openstack-api.js';

const lite = await openstackLiteWithNotifications();
if ('skip' in lite) {
  t.plan(0, lite.skip);
} else {
  const { amqpUrl } = lite;
  const printed = spawnSync('bash', [fromRoot('scripts/openstack-lite/openstack-lite'), 'amqp'], {
    encoding: 'utf8',
    env: { ...process.env, OSL_DIR: openstackLiteDir() },
  });
  process.env.OS_CLIENT_CONFIG_FILE = lite.cloudsYaml;
  process.env.OSL_AMQP_URL = amqpUrl;
  const queue = `gx-gateway-test.${randomUUID().slice(0, 8)}`;
  const db = sqliteDatabase();
  const svc = await startService(db.location, {
    clouds: [{ id: 'events', name: 'openstack-lite', useSources: true, intervalSeconds: 3600 }],
    sources: { openstack: [{ cloud: 'openstack-lite', notifications: { urlEnv: 'OSL_AMQP_URL', queue } }] },
    scheduler: { tickSeconds: 0.2, events: { quietSeconds: 0.5, minIntervalSeconds: 0 } },
  });
  const store = svc.gw.service.store;
  const cleanup: (() => Promise<unknown>)[] = [];
  t.teardown(async () => {
    for (const c of cleanup.reverse()) await c().catch(() => undefined);
    await svc.close();
    const conn = await amqp.connect(amqpUrl);
    const ch = await conn.createChannel();
    await ch.deleteQueue(queue).catch(() => undefined);
    await conn.close();
    await db.drop();
    removeDir(svc.dir);
  });

  const api = await openstackApi(lite.cloudsYaml);
  const { call, endpoint } = api;
  const credentialOf = (resource: string, state: string) =>
    store.credentials
      .list({ cloud: 'events', state: state as 'published', limit: 1000 })
      .then((rows) => rows.find((r) => r.base_id.includes(resource) && r.profile === 'gaia-x-25.11'));

  t.test('the consumer is up once the first run has ended', async (t) => {
    t.equal(printed.stdout.trim(), amqpUrl, '`openstack-lite amqp` prints the URL');
    const first = await settledRun(svc.url, 'events', 180_000);
    t.equal(first.trigger, 'schedule');
    t.equal(first.state, 'succeeded', `the first run: ${JSON.stringify(first.error)}`);
    const ready = await until('the event consumer', async () => {
      const r = (await (await fetch(`${svc.url}/ready`)).json()) as { checks: Record<string, boolean> };
      return r.checks['events:events'] ? r.checks : undefined;
    });
    t.equal(ready['events:events'], true, '/ready reports the event source');
  });

  const seedImage = (
    JSON.parse(readFileSync(fromRoot('data/demo/openstack-seed.json'), 'utf8')) as {
      images: { properties: Record<string, string> }[];
    }
  ).images[0]!;
  let imageId = '';

  t.test('an image uploaded through Glance is signed and served within seconds', async (t) => {
    const glance = endpoint('image');
    const started = Date.now();
    imageId = await uploadImage(api, seedImage.properties, `Ubuntu 24.04 event ${randomUUID().slice(0, 6)}`);
    cleanup.push(() => call('DELETE', `${glance}/v2/images/${imageId}`));
    const row = await until('the image credential', () => credentialOf(imageId, 'published'));
    const local = await fetch(`${svc.url}${new URL(row.id).pathname}`);
    t.equal(local.status, 200, 'served at its id');
    t.match(await local.text(), imageId);
    t.comment(`image upload → credential served: ${Date.now() - started} ms`);
    const runs = (await (await fetch(`${svc.url}/admin/runs?cloud=events&limit=5`, { headers: ADMIN })).json()) as {
      runs: {
        id: string;
        trigger: string;
        state: string;
        summary: { cause?: { types: Record<string, number>; resources: string[] } };
      }[];
    };
    for (const r of runs.runs)
      t.comment(
        `run ${r.trigger} ${r.state} ${JSON.stringify(r.summary.cause?.types ?? {})} ${JSON.stringify((r as { startedAt?: string }).startedAt)} ${JSON.stringify((r as { finishedAt?: string }).finishedAt)}`,
      );
    const eventRun = runs.runs.find((r) => r.trigger === 'event' && r.summary.cause?.resources.includes(imageId));
    t.ok(eventRun, 'an event run, its cause naming the image');
    t.ok(
      Object.keys(eventRun?.summary.cause?.types ?? {}).some((k) => k.startsWith('image.')),
      'and the Glance events',
    );
    const changes = (await (await fetch(`${svc.url}/changes?after=0&limit=1000`)).json()) as {
      events: { type: string; credential: string; run: string | null; trigger: string | null }[];
    };
    t.match(
      changes.events.find((e) => e.type === 'published' && e.credential === row.id),
      { run: eventRun?.id, trigger: 'event' },
      'in /changes, with the event run that published it',
    );
  });

  t.test('deleted, it is revoked after a complete run', async (t) => {
    const started = Date.now();
    await call('DELETE', `${endpoint('image')}/v2/images/${imageId}`);
    cleanup.pop();
    const row = await until('the revocation', () => credentialOf(imageId, 'revoked'));
    t.equal(row.state, 'revoked');
    t.comment(`image delete → credential revoked: ${Date.now() - started} ms`);
    const run = await settledRun(svc.url, 'events');
    t.equal(run.trigger, 'event');
    t.equal(run.state, 'succeeded', 'a complete introspection');
  });

  t.test('a flavor created through Nova is signed and served', async (t) => {
    const nova = endpoint('compute');
    const name = 'SCS-2V-8-20s'; // not among the seed's flavors
    const started = Date.now();
    const flavor = (
      await call('POST', `${nova}/flavors`, { flavor: { name: `${name}`, ram: 8192, vcpus: 2, disk: 20 } })
    ).flavor as { id: string };
    cleanup.push(() => call('DELETE', `${nova}/flavors/${flavor.id}`));
    const row = await until('the flavor credential', () => credentialOf(flavor.id, 'published'));
    const local = await fetch(`${svc.url}${new URL(row.id).pathname}`);
    t.equal(local.status, 200, 'served at its id');
    t.comment(`flavor create → credential served: ${Date.now() - started} ms`);
  });
}
