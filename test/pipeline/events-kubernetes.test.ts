// Issue 21: a Cluster API cluster created in the management cluster is described within seconds.
// The gateway watches the Kubernetes API (sources.kubernetes[].watch); a Cluster created over the
// API with a new Kubernetes version → the provider's gx:ContainerServiceOffering names that version,
// from an event run; the watch broken and its resourceVersion compacted (410) → relisted, and a
// cluster created meanwhile is not missed.
import t from 'tap';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startFakeKubernetes } from '../../src/demo/kubernetes.js';
import { sqliteDatabase } from '../helpers/databases.js';
import { removeDir, settledRun, startService, ADMIN } from '../helpers/service.js';
import { until } from '../helpers/openstack-api.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { Agent, request } from 'undici';
import { resolveKubeContext } from '../../src/inventory/kubernetes/kubeconfig.js';

const fake = await startFakeKubernetes();
const dir = mkdtempSync(join(tmpdir(), 'gxg-kevents-'));
const kubeconfig = join(dir, 'kubeconfig');
writeFileSync(kubeconfig, fake.kubeconfig, { mode: 0o600 });
const db = sqliteDatabase();
const svc = await startService(
  db.location,
  {
    clouds: [{ id: 'kube', name: 'management cluster', useSources: true, intervalSeconds: 3600 }],
    sources: { kubernetes: [{ kubeconfig, context: 'token@fake', watch: true }] },
    scheduler: { tickSeconds: 0.2, events: { quietSeconds: 0.3, minIntervalSeconds: 0 } },
  },
  dir,
);
t.teardown(async () => {
  await svc.close();
  await fake.close();
  await db.drop();
  removeDir(dir);
});
const store = svc.gw.service.store;

/** The offering as served at its id, once it names `version`. */
const offeringWith = (version: string) =>
  until(`the offering naming ${version}`, async () => {
    const rows = await store.credentials.list({ cloud: 'kube', state: 'published', limit: 1000 });
    const row = rows.find((r) => /\/kubernetes\/[^/]+\/offering$/.test(r.base_id) && r.profile === 'gaia-x-25.11');
    if (!row) return undefined;
    const served = await fetch(`${svc.url}${new URL(row.id).pathname}`);
    const text = await served.text();
    return served.status === 200 && text.includes(version) ? { row, text } : undefined;
  });

const eventRuns = async () =>
  (
    (await (await fetch(`${svc.url}/admin/runs?cloud=kube&limit=20`, { headers: ADMIN })).json()) as {
      runs: {
        id: string;
        trigger: string;
        state: string;
        summary: { cause?: { types: Record<string, number>; resources: string[] } };
      }[];
    }
  ).runs.filter((r) => r.trigger === 'event');

// Over the fake's TLS, trusting its CA as the kubeconfig says, as the token user.
const agent = new Agent({ connect: { ca: resolveKubeContext({ path: kubeconfig }).ca! } });
t.teardown(() => agent.close());
const createCluster = (name: string, version: string) =>
  request(`${fake.url}/apis/cluster.x-k8s.io/v1beta2/namespaces/project-a/clusters`, {
    method: 'POST',
    dispatcher: agent,
    headers: { authorization: `Bearer ${fake.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      apiVersion: 'cluster.x-k8s.io/v1beta2',
      kind: 'Cluster',
      metadata: { name },
      spec: { topology: { classRef: { name: 'openstack-scs-1-31-v2' }, version } },
    }),
  });

t.test('the watch is up once the first run has ended', async (t) => {
  const first = await settledRun(svc.url, 'kube', 120_000);
  t.equal(first.state, 'succeeded', `the first run: ${JSON.stringify(first.error)}`);
  const checks = await until('the watch', async () => {
    const r = (await (await fetch(`${svc.url}/ready`)).json()) as { checks: Record<string, boolean> };
    return r.checks['events:kube'] ? r.checks : undefined;
  });
  t.equal(checks['events:kube'], true, '/ready reports the watch');
  await until('seven watches', async () => (fake.watching >= 7 ? true : undefined));
});

t.test('a Cluster created → its version in the ContainerServiceOffering, from an event run', async (t) => {
  const started = Date.now();
  fake.apply('clusters', {
    apiVersion: 'cluster.x-k8s.io/v1beta2',
    kind: 'Cluster',
    metadata: { name: 'tenant-new', namespace: 'project-a' },
    spec: { topology: { classRef: { name: 'openstack-scs-1-31-v2' }, version: 'v1.32.1' } },
    status: { phase: 'Provisioning' },
  });
  const { text } = await offeringWith('1.32.1');
  t.match(text, /ContainerServiceOffering/);
  t.comment(`Cluster created → offering served: ${Date.now() - started} ms`);
  const run = (await eventRuns()).find((r) => r.summary.cause?.resources.includes('Cluster/project-a/tenant-new'));
  t.ok(run, 'an event run, its cause naming the cluster');
  t.match(run?.summary.cause?.types, { 'kubernetes.cluster.added': 1 });
});

t.test('a watch broken with 410: relisted, the cluster created meanwhile is not missed', async (t) => {
  const runsBefore = (await eventRuns()).length;
  // The API server restarts: watches are cut, a cluster is created while none is open, and the
  // history is compacted past the gateway's resourceVersion.
  fake.faults.push({ path: /watch=1/, status: 503, times: 50 });
  fake.dropWatches();
  fake.apply('clusters', {
    apiVersion: 'cluster.x-k8s.io/v1beta2',
    kind: 'Cluster',
    metadata: { name: 'tenant-during-gap', namespace: 'project-b' },
    spec: { topology: { classRef: { name: 'openstack-scs-1-30-v3' }, version: 'v1.30.9' } },
    status: { phase: 'Provisioning' },
  });
  fake.compact();
  fake.faults.length = 0;
  const started = Date.now();
  await offeringWith('1.30.9');
  t.comment(`relist after 410 → offering served: ${Date.now() - started} ms`);
  const runs = await eventRuns();
  t.ok(runs.length > runsBefore, 'an event run');
  t.ok(
    runs.some((r) => r.summary.cause?.resources.includes('Cluster/project-b/tenant-during-gap')),
    'caused by the cluster the relist found',
  );
  const metrics = await (await fetch(`${svc.url}/metrics`, { headers: ADMIN })).text();
  t.match(metrics, /gxg_events_total\{cloud="kube",type="kubernetes\.cluster\.added"\} [2-9]/);
});

t.test('over HTTP: the fake answers as the API server does', async (t) => {
  const created = await createCluster('tenant-http', 'v1.32.7');
  t.equal(created.statusCode, 201);
  t.match(await created.body.json(), {
    metadata: { name: 'tenant-http', namespace: 'project-a', uid: /\w/, resourceVersion: /^\d+$/ },
  });
  const again = await createCluster('tenant-http', 'v1.32.7');
  t.equal(again.statusCode, 409);
  t.match(await again.body.json(), { kind: 'Status', reason: 'AlreadyExists', code: 409 });
  await offeringWith('1.32.7');
});
