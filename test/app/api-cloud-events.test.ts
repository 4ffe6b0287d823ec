// Clouds added over the API get event sources too, confined as their runs are: a Kubernetes watch
// of a kubeconfig in api.cloudSources.dir, OpenStack notifications from a broker whose URL is in a
// variable api.cloudSources.secrets offers (and whose host the outbound guard allows). The sources
// follow the store: a cloud changed over the API stops or starts its watch.
import t from 'tap';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import amqp from 'amqplib';
import { startFakeKubernetes } from '../../src/demo/kubernetes.js';
import { startFakeOpenStack } from '../../src/demo/openstack.js';
import { pythonJson, pythonUtcNow } from '../../src/demo/python.js';
import { sqliteDatabase } from '../helpers/databases.js';
import { ADMIN, removeDir, startService } from '../helpers/service.js';
import { until } from '../helpers/wait.js';

const BROKER = process.env.OSL_DEMO_AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672/';
const kube = await startFakeKubernetes();
const os = await startFakeOpenStack();
const dir = mkdtempSync(join(tmpdir(), 'gxg-api-events-'));
mkdirSync(join(dir, 'sources'));
writeFileSync(join(dir, 'sources', 'kubeconfig'), kube.kubeconfig, { mode: 0o600 });
writeFileSync(join(dir, 'clouds.yaml'), os.cloudsYaml('fake'), { mode: 0o600 });
process.env.OS_CLIENT_CONFIG_FILE = join(dir, 'clouds.yaml');
process.env.GXT_API_AMQP = BROKER;
process.env.GXT_API_AMQP_FAR = 'amqps://gx:far-secret-password@10.9.8.7:5671/openstack';
const db = sqliteDatabase();
const svc = await startService(
  db.location,
  {
    clouds: [],
    scheduler: { tickSeconds: 0.2, leaseSeconds: 3, events: { quietSeconds: 0.2, minIntervalSeconds: 0 } },
    api: {
      adminTokenSha256: (await import('node:crypto'))
        .createHash('sha256')
        .update(ADMIN.authorization.slice(7))
        .digest('hex'),
      rateLimitPerMinute: 100000,
      authFailuresPerMinute: 100000,
      cloudSources: {
        dir: 'sources',
        secrets: ['GXT_API_AMQP', 'GXT_API_AMQP_FAR'],
        networks: ['127.0.0.0/8'],
        allowHttp: true,
      },
    },
  },
  dir,
);
const suffix = randomUUID().slice(0, 6);
const kubeCloud = `kube-${suffix}`;
const osCloud = `os-${suffix}`;
t.teardown(async () => {
  await svc.close();
  await kube.close();
  await os.close();
  const c = await amqp.connect(BROKER).catch(() => undefined);
  if (c) {
    const ch = await c.createChannel();
    await ch.deleteQueue(`gx-gateway.${osCloud}`).catch(() => undefined);
    await c.close();
  }
  await db.drop();
  removeDir(dir);
});

const call = async (path: string, init: { method?: string; body?: unknown } = {}) => {
  const r = await fetch(`${svc.url}${path}`, {
    method: init.method ?? 'GET',
    headers: { ...ADMIN, ...(init.body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
  });
  const text = await r.text();
  return { status: r.status, text, body: JSON.parse(text || 'null') as Record<string, unknown> };
};
const putCloud = (id: string, sources: unknown) =>
  call('/admin/clouds', { method: 'POST', body: { id, profiles: ['gaia-x-25.11'], intervalSeconds: 3600, sources } });
const ready = async (id: string) =>
  ((await (await fetch(`${svc.url}/ready`)).json()) as { checks: Record<string, boolean> }).checks[`events:${id}`];
const eventRuns = async (id: string) =>
  (
    (await call(`/admin/runs?cloud=${id}&limit=20`)).body as {
      runs: { trigger: string; summary: { cause?: { types: Record<string, number>; resources: string[] } } }[];
    }
  ).runs.filter((r) => r.trigger === 'event');

t.test('a Kubernetes watch of a kubeconfig in api.cloudSources.dir', async (t) => {
  const put = await putCloud(kubeCloud, { kubernetes: [{ kubeconfig: 'kubeconfig', watch: true }] });
  t.equal(put.status, 201, put.text);
  await until(async () => (await ready(kubeCloud)) === true, 30_000, 'the watch of the API-added cloud');
  kube.apply('clusters', {
    metadata: { name: 'api-tenant', namespace: 'project-a' },
    spec: { topology: { classRef: { name: 'openstack-scs-1-31-v2' }, version: 'v1.32.2' } },
  });
  await until(
    async () => (await eventRuns(kubeCloud)).some((r) => r.summary.cause?.types['kubernetes.cluster.added']),
    30_000,
    'the event run',
  );
  // The cloud changed over the API to no watch: its watches end.
  const changed = await putCloud(kubeCloud, { kubernetes: [{ kubeconfig: 'kubeconfig' }] });
  t.equal(changed.status, 200);
  await until(async () => kube.watching === 0, 30_000, 'the watches closed');
  t.equal(await ready(kubeCloud), undefined, 'and /ready no longer names it');
});

t.test('notifications: only from an offered variable, to a host the guard allows', async (t) => {
  const hidden = await putCloud(osCloud, { openstack: [{ cloud: 'fake', notifications: { urlEnv: 'PATH' } }] });
  t.equal(hidden.status, 400);
  t.match(hidden.text, /not a secret the configuration offers to API-added clouds/);
  const far = await putCloud(osCloud, {
    openstack: [{ cloud: 'fake', notifications: { urlEnv: 'GXT_API_AMQP_FAR' } }],
  });
  t.equal(far.status, 400);
  t.match(far.text, /10\.9\.8\.7/);
  t.notMatch(far.text, /far-secret-password/, 'the broker password is never in an answer');
  const queue = await putCloud(osCloud, {
    openstack: [{ cloud: 'fake', notifications: { urlEnv: 'GXT_API_AMQP', queue: 'gx-gateway.someone-else' } }],
  });
  // Not in the contract: dropped (as every unknown member is); the cloud consumes its own queue.
  t.equal(queue.status, 201, queue.text);
  t.same(
    (queue.body.sources as { openstack: { notifications: unknown }[] }).openstack[0]!.notifications,
    { urlEnv: 'GXT_API_AMQP' },
    'a queue of its choosing is not kept',
  );
});

t.test('notifications of an API-added cloud start its runs', async (t) => {
  const reachable = await amqp
    .connect(BROKER)
    .then((c) => c.close().then(() => true))
    .catch(() => false);
  if (!reachable) {
    t.comment('no RabbitMQ on loopback');
    return;
  }
  const put = await putCloud(osCloud, {
    openstack: [{ cloud: 'fake', notifications: { urlEnv: 'GXT_API_AMQP', exchanges: ['cinder'] } }],
  });
  t.equal(put.status, 200, put.text);
  await until(async () => (await ready(osCloud)) === true, 30_000, 'its consumer');
  // A volume type created, as Cinder notifies it (its own exchange: no other test's queue hears it).
  const id = randomUUID();
  const message = {
    message_id: randomUUID(),
    publisher_id: 'volume.localhost',
    event_type: 'volume_type.create',
    priority: 'INFO',
    payload: { volume_types: { id, name: 'ssd-api', is_public: true } },
    timestamp: pythonUtcNow(),
    _unique_id: randomUUID().replace(/-/g, ''),
  };
  const c = await amqp.connect(BROKER);
  const ch = await c.createChannel();
  ch.publish(
    'cinder',
    'notifications.info',
    Buffer.from(pythonJson({ 'oslo.version': '2.0', 'oslo.message': pythonJson(message) })),
  );
  await ch.close();
  await c.close();
  await until(
    async () => (await eventRuns(osCloud)).some((r) => r.summary.cause?.types['volume_type.create'] === 1),
    30_000,
    'the event run of the API-added cloud',
  );
  t.pass('an event run');
});
