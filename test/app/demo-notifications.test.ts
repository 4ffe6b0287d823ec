// The demo cloud's OpenStack with a broker (demo.notifications): an image uploaded through its
// Glance API is notified through the local RabbitMQ, as the real services notify, consumed from the
// gateway's queue there, and signed and served from an event run.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import amqp from 'amqplib';
import { sqliteDatabase } from '../helpers/databases.js';
import { removeDir, settledRun, startService, ADMIN } from '../helpers/service.js';
import { until } from '../helpers/wait.js';

const BROKER = process.env.OSL_DEMO_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672/';
const reachable = await amqp
  .connect(BROKER)
  .then(async (c) => {
    await c.close();
    return true;
  })
  .catch(() => false);
if (!reachable) {
  t.plan(0, `no RabbitMQ at ${BROKER.replace(/\/\/[^@]*@/, '//')}`);
} else {
  process.env.GXT_DEMO_AMQP = BROKER;
  const queue = `gx-gateway-test.demo.${randomUUID().slice(0, 8)}`;
  const db = sqliteDatabase();
  const svc = await startService(db.location, {
    demo: { notifications: { urlEnv: 'GXT_DEMO_AMQP', queue } },
    scheduler: { tickSeconds: 0.2, leaseSeconds: 5, events: { quietSeconds: 0.3, minIntervalSeconds: 0 } },
  });
  t.teardown(async () => {
    await svc.close();
    const c = await amqp.connect(BROKER);
    const ch = await c.createChannel();
    await ch.deleteQueue(queue).catch(() => undefined);
    await c.close();
    await db.drop();
    removeDir(svc.dir);
  });

  t.test('an image uploaded through the demo Glance comes back through RabbitMQ', async (t) => {
    const first = await settledRun(svc.url, 'demo', 120_000);
    t.equal(first.state, 'succeeded');
    await until(
      async () =>
        ((await (await fetch(`${svc.url}/ready`)).json()) as { checks: Record<string, boolean> }).checks[
          'events:demo'
        ] === true,
      30_000,
      'the demo queue consumed',
    );
    const os = svc.gw.service.demo!.openstack;
    const auth = await fetch(`${os.url}/identity/v3/auth/tokens`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        auth: {
          identity: {
            methods: ['password'],
            password: { user: { name: 'gx-inventory', domain: { name: 'Default' }, password: 'gx-inventory-secret' } },
          },
        },
      }),
    });
    const token = auth.headers.get('x-subject-token')!;
    const created = await fetch(`${os.url}/image/v2/images`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-auth-token': token },
      body: JSON.stringify({
        name: 'Broker-borne image',
        disk_format: 'qcow2',
        container_format: 'bare',
        visibility: 'public',
        os_distro: 'debian',
        os_version: '13',
      }),
    });
    t.equal(created.status, 201);
    const image = (await created.json()) as { id: string; status: string };
    t.equal(image.status, 'queued');
    const started = Date.now();
    const put = await fetch(`${os.url}/image/v2/images/${image.id}/file`, {
      method: 'PUT',
      headers: { 'content-type': 'application/octet-stream', 'x-auth-token': token },
      body: 'bytes',
    });
    t.equal(put.status, 204);
    const runs = async () =>
      (
        (await (await fetch(`${svc.url}/admin/runs?cloud=demo&limit=10`, { headers: ADMIN })).json()) as {
          runs: {
            trigger: string;
            state: string;
            summary: { cause?: { types: Record<string, number>; resources: string[] } };
          }[];
        }
      ).runs;
    await until(
      async () =>
        (await runs()).some(
          (r) => r.trigger === 'event' && r.state !== 'running' && r.summary.cause?.resources.includes(image.id),
        ),
      60_000,
      'the event run',
    );
    t.comment(`upload → event run ended: ${Date.now() - started} ms`);
    const run = (await runs()).find((r) => r.trigger === 'event')!;
    t.match(run.summary.cause?.types, { 'image.activate': 1 });
    const metrics = await (await fetch(`${svc.url}/metrics`, { headers: ADMIN })).text();
    t.match(metrics, /gxg_event_consumer\{cloud="demo",state="consuming"\} 1/, 'consumed from the broker');
    t.match(metrics, /gxg_events_total\{cloud="demo",type="image.create"\} 1/);
    // Glance's own refusals, as Glance answers them.
    const readOnly = await fetch(`${os.url}/image/v2/images`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-auth-token': token },
      body: JSON.stringify({ name: 'x', status: 'active' }),
    });
    t.equal(readOnly.status, 403);
    t.match(await readOnly.text(), "Attribute 'status' is read-only.");
    const again = await fetch(`${os.url}/image/v2/images/${image.id}/file`, {
      method: 'PUT',
      headers: { 'x-auth-token': token },
      body: 'bytes',
    });
    t.equal(again.status, 409);
    t.equal((await fetch(`${os.url}/image/v2/images`, { method: 'POST', body: '{}' })).status, 401, 'no token');
  });
}
