// The Kubernetes watcher against the fake API server's watch streams: changes reported once, noise
// ignored, bookmarks followed, a watch broken with 410 (either form) relisted with nothing missed.
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFakeKubernetes, type FakeKubernetes } from '../../src/demo/kubernetes.js';
import { resolveKubeContext } from '../../src/inventory/kubernetes/kubeconfig.js';
import { KubernetesWatcher, relevantDigest, type KubernetesChange } from '../../src/inventory/kubernetes/watch.js';
import { HttpClient, defaultHttpOptions } from '../../src/net/http-client.js';
import { until } from '../helpers/wait.js';

const dir = mkdtempSync(join(tmpdir(), 'gxg-kwatch-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));

async function watcherOn(fake: FakeKubernetes, opts: { timeoutSeconds?: number; context?: string } = {}) {
  const file = join(dir, `config-${Math.random().toString(36).slice(2)}`);
  writeFileSync(file, fake.kubeconfig);
  const kube = resolveKubeContext({ path: file, ...(opts.context ? { context: opts.context } : {}) });
  const http = new HttpClient({
    ...defaultHttpOptions,
    retries: 0,
    tls: { ca: kube.ca!, ...(kube.clientCert ? { cert: kube.clientCert, key: kube.clientKey! } : {}) },
  });
  const changes: KubernetesChange[] = [];
  const states: string[] = [];
  const rejected: string[] = [];
  const watcher = new KubernetesWatcher({
    kube,
    http,
    timeoutSeconds: opts.timeoutSeconds ?? 300,
    backoffMs: { initial: 20, max: 200 },
    onChange: (c) => changes.push(c),
    onRejected: (r) => rejected.push(r),
    onState: (s) => states.push(s),
  });
  watcher.start();
  await until(() => watcher.state === 'consuming', 30_000, 'the watcher consuming');
  return {
    watcher,
    changes,
    states,
    rejected,
    async close() {
      await watcher.stop();
      await http.close();
    },
  };
}

const cluster = (name: string, version: string, namespace = 'project-a') => ({
  apiVersion: 'cluster.x-k8s.io/v1beta2',
  kind: 'Cluster',
  metadata: { name, namespace },
  spec: { topology: { classRef: { name: 'openstack-scs-1-31-v2' }, version } },
  status: { phase: 'Provisioning' },
});

t.test('a Cluster created, changed and deleted: one change each; noise is not a change', async (t) => {
  const fake = await startFakeKubernetes();
  t.teardown(() => fake.close());
  const w = await watcherOn(fake);
  t.teardown(() => w.close());
  t.equal(w.changes.length, 0, 'the initial list reports nothing (the scheduled run covers it)');
  t.ok(
    fake.requests.some((r) =>
      /clusters\?watch=1&allowWatchBookmarks=true&resourceVersion=\d+&timeoutSeconds=300/.test(r.path),
    ),
  );
  t.ok(
    fake.requests.some((r) => r.path.startsWith('/apis/cluster.x-k8s.io/v1beta2/clusters?watch')),
    'watches v1beta2 (preferred)',
  );

  fake.apply('clusters', cluster('tenant-d', 'v1.32.1'));
  await until(() => w.changes.length === 1, 10_000, 'the ADDED event');
  t.match(w.changes[0], { type: 'kubernetes.cluster.added', resource: 'Cluster/project-a/tenant-d' });

  // A heartbeat of a node and a replica count are not what is described.
  const initialNode = {
    metadata: {
      name: 'worker-0',
      labels: {
        'kubernetes.io/arch': 'amd64',
        'kubernetes.io/os': 'linux',
        'kubernetes.io/hostname': 'worker-0',
        'topology.kubernetes.io/region': 'RegionOne',
        'topology.kubernetes.io/zone': 'az-a',
      },
    },
    status: {
      conditions: [
        { type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: new Date().toISOString() },
      ],
      nodeInfo: {
        kubeletVersion: 'v1.31.4',
        architecture: 'amd64',
        operatingSystem: 'linux',
        osImage: 'Ubuntu 24.04.1 LTS',
        containerRuntimeVersion: 'containerd://1.7.24',
        kernelVersion: '6.8.0-49-generic',
        bootID: 'b2',
      },
    },
  };
  fake.apply('nodes', initialNode);
  const before = w.changes.length;
  // The same node with a changed kubelet: a change.
  fake.apply('nodes', {
    ...initialNode,
    status: { ...initialNode.status, nodeInfo: { ...initialNode.status.nodeInfo, kubeletVersion: 'v1.31.5' } },
  });
  await until(() => w.changes.length === before + 1, 10_000, 'the node change');
  t.match(
    w.changes.at(-1),
    { type: 'kubernetes.node.modified', resource: 'Node/worker-0' },
    'only the kubelet upgrade counts',
  );

  fake.apply('clusters', { ...cluster('tenant-d', 'v1.32.1'), status: { phase: 'Provisioned' } });
  await until(() => w.changes.length === before + 2, 10_000, 'the MODIFIED event');
  t.match(w.changes.at(-1), { type: 'kubernetes.cluster.modified' });
  fake.remove('clusters', 'project-a', 'tenant-d');
  await until(() => w.changes.length === before + 3, 10_000, 'the DELETED event');
  t.match(w.changes.at(-1), { type: 'kubernetes.cluster.deleted', resource: 'Cluster/project-a/tenant-d' });
  t.equal(new Set(w.changes.map((c) => c.id)).size, w.changes.length, 'each change has its own id');
  t.same(w.rejected, []);
});

t.test('what is described decides what is a change', async (t) => {
  const node = (extra: Record<string, unknown>) => ({
    metadata: { name: 'n', labels: { b: '2', a: '1' } },
    status: {
      conditions: [{ type: 'Ready', status: 'True', ...extra }],
      nodeInfo: { kubeletVersion: 'v1', bootID: String(extra.boot ?? 'x') },
    },
  });
  t.equal(
    relevantDigest('Node', node({ lastHeartbeatTime: '1' })),
    relevantDigest('Node', node({ lastHeartbeatTime: '2', boot: 'y' })),
  );
  t.not(
    relevantDigest('Node', node({})),
    relevantDigest('Node', {
      ...node({}),
      status: { conditions: [{ type: 'Ready', status: 'False' }], nodeInfo: { kubeletVersion: 'v1' } },
    }),
  );
  t.equal(
    relevantDigest('Node', { metadata: { name: 'n', labels: { a: '1', b: '2' } } }),
    relevantDigest('Node', { metadata: { name: 'n', labels: { b: '2', a: '1' } } }),
    'label order is not a change',
  );
  const dep = (replicas: number, image: string) => ({
    metadata: { name: 'd' },
    spec: { replicas, template: { spec: { containers: [{ image }] } } },
    status: { readyReplicas: replicas },
  });
  t.equal(relevantDigest('Deployment', dep(1, 'x:1')), relevantDigest('Deployment', dep(3, 'x:1')));
  t.not(relevantDigest('Deployment', dep(1, 'x:1')), relevantDigest('Deployment', dep(1, 'x:2')));
});

for (const expiredAs of ['event', 'status'] as const)
  t.test(
    `a watch broken and compacted (410 as ${expiredAs === 'event' ? 'an ERROR event' : 'HTTP 410'}): relist, nothing missed`,
    async (t) => {
      const fake = await startFakeKubernetes({ expiredAs });
      t.teardown(() => fake.close());
      const w = await watcherOn(fake);
      t.teardown(() => w.close());
      const watching = fake.watching;
      // The watch breaks; while nobody watches, a cluster is created and another deleted, and the
      // history is compacted: the watcher's resourceVersion is gone.
      fake.faults.push({ path: /watch=1/, hang: true, times: 100 });
      fake.dropWatches();
      fake.apply('clusters', cluster('tenant-e', 'v1.32.2'));
      fake.remove('clusters', 'project-b', 'tenant-b');
      fake.compact();
      fake.faults.length = 0;
      // The hanging re-watches are cut: the watcher resumes with the old resourceVersion → 410.
      fake.dropWatches();
      fake.server.closeAllConnections();
      await until(() => w.watcher.stats.expired >= 1 && fake.watching >= watching, 30_000, 'the relist after 410');
      await until(() => w.changes.length >= 2, 10_000, 'the changes found by the relist');
      t.same(
        w.changes.map((c) => `${c.type} ${c.resource}`).sort(),
        [
          'kubernetes.cluster.added Cluster/project-a/tenant-e',
          'kubernetes.cluster.deleted Cluster/project-b/tenant-b',
        ],
        'the relist reports exactly what changed while the watch was broken',
      );
      // Watching again from the relist's resourceVersion: a later change arrives as an event.
      fake.apply('clusters', cluster('tenant-f', 'v1.32.3'));
      await until(() => w.changes.some((c) => c.resource === 'Cluster/project-a/tenant-f'), 10_000, 'the next event');
      t.equal(w.watcher.state, 'consuming');
    },
  );

t.test('bookmarks move the resourceVersion on: a resumed watch needs no relist', async (t) => {
  const fake = await startFakeKubernetes();
  t.teardown(() => fake.close());
  const w = await watcherOn(fake, { timeoutSeconds: 300 });
  t.teardown(() => w.close());
  const clusters = '/apis/cluster.x-k8s.io/v1beta2/clusters';
  const first = w.watcher.resourceVersions()[clusters]!;
  // A change elsewhere moves the revision on; the clusters watch sees only a bookmark.
  fake.apply('storageclasses', { metadata: { name: 'extra' }, provisioner: 'x' });
  await until(() => w.changes.length === 1, 10_000, 'the storage class');
  const now = w.watcher.resourceVersions()['/apis/storage.k8s.io/v1/storageclasses']!;
  t.ok(Number(now) > Number(first));
  fake.bookmark();
  await until(() => w.watcher.resourceVersions()[clusters] === now, 10_000, 'the bookmark on the clusters watch');
  // Compacted up to now, every watch broken: each resumes from its bookmark, none is relisted.
  const lists = w.watcher.stats.lists;
  fake.compact();
  fake.dropWatches();
  const resumed = () =>
    fake.requests
      .filter((r) => r.path.startsWith(`${clusters}?watch`))
      .map((r) => /resourceVersion=(\d+)/.exec(r.path)![1]);
  await until(() => resumed().length >= 2 && fake.watching >= 7, 10_000, 'the watches resumed');
  t.same(resumed(), [first, now], `the clusters watch resumed from the bookmark (${first} → ${now})`);
  t.equal(w.watcher.stats.expired, 0, 'no 410');
  t.equal(w.watcher.stats.lists, lists, 'nothing listed again');
});

t.test('a server that ends the watch at timeoutSeconds: resumed, with a bookmark first', async (t) => {
  const fake = await startFakeKubernetes();
  t.teardown(() => fake.close());
  const w = await watcherOn(fake, { timeoutSeconds: 1 });
  t.teardown(() => w.close());
  await until(() => w.watcher.stats.watches >= 14, 20_000, 'watches resumed after their timeout');
  t.equal(w.watcher.stats.expired, 0);
  t.equal(w.watcher.stats.errors, 0);
  fake.apply('clusters', cluster('tenant-g', 'v1.32.4'));
  await until(() => w.changes.some((c) => c.resource === 'Cluster/project-a/tenant-g'), 10_000, 'the event');
});

t.test('a token user; a malformed stream is relisted; the API server away: down, then back', async (t) => {
  const fake = await startFakeKubernetes();
  t.teardown(() => fake.close());
  const w = await watcherOn(fake, { context: 'token@fake' });
  t.teardown(() => w.close());
  t.equal(w.watcher.state, 'consuming');
  // The API server answers watches with an error for a while.
  fake.faults.push({ path: /clusters\?watch=1/, status: 503, times: 3 });
  fake.dropWatches();
  await until(() => w.states.includes('down'), 10_000, 'down');
  await until(() => w.watcher.state === 'consuming' && fake.watching >= 7, 20_000, 'consuming again');
  t.ok(w.watcher.stats.errors >= 1);
  fake.apply('clusters', cluster('tenant-h', 'v1.32.5'));
  await until(
    () => w.changes.some((c) => c.resource === 'Cluster/project-a/tenant-h'),
    10_000,
    'the event after recovery',
  );
});

t.test('a stream that is not watch events: counted, listed again; a line over the limit too', async (t) => {
  const { createServer } = await import('node:http');
  let watches = 0;
  let lists = 0;
  const server = createServer((req, res) => {
    const u = new URL(req.url ?? '/', 'http://x');
    res.setHeader('content-type', 'application/json');
    if (u.pathname === '/apis') return res.end(JSON.stringify({ groups: [] }));
    if (u.pathname === '/apis/apps/v1/daemonsets') {
      // Not the gateway's to read (RBAC): not watched, and not a failure of the watch.
      res.statusCode = 403;
      return res.end('{"kind":"Status","code":403,"reason":"Forbidden"}');
    }
    if (u.pathname !== '/api/v1/nodes') {
      if (u.searchParams.has('watch')) return res.write('');
      return res.end(JSON.stringify({ metadata: { resourceVersion: '1' }, items: [] }));
    }
    if (!u.searchParams.has('watch')) {
      lists++;
      return res.end(JSON.stringify({ metadata: { resourceVersion: String(10 + lists) }, items: [] }));
    }
    watches++;
    if (watches === 1) return res.end('{"type":"ADDED"}\n'); // no object
    if (watches === 2) return res.end('not json\n');
    if (watches === 3) return res.end(`{"type":"ADDED","object":{"metadata":{"name":"${'x'.repeat(5000)}"}}}\n`);
    res.write('{"type":"SOMETHING","object":{}}\n');
    res.write('{"type":"ADDED","object":{"metadata":{"name":"n1","resourceVersion":"99"}}}\n');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => {
    server.closeAllConnections();
    server.close();
  });
  const port = (server.address() as { port: number }).port;
  const http = new HttpClient({ ...defaultHttpOptions, retries: 0 });
  const changes: KubernetesChange[] = [];
  const rejected: string[] = [];
  const watcher = new KubernetesWatcher({
    kube: { name: 'plain', server: `http://127.0.0.1:${port}`, insecure: false, file: 'x' },
    http,
    backoffMs: { initial: 10, max: 20 },
    maxEventBytes: 4096,
    onChange: (c) => changes.push(c),
    onRejected: (r) => rejected.push(r),
  });
  watcher.start();
  t.teardown(async () => {
    await watcher.stop();
    await http.close();
  });
  await until(() => changes.length === 1, 10_000, 'the good event');
  t.equal(lists, 4, 'each broken stream was listed again');
  t.equal(watcher.stats.errors, 3);
  t.same(rejected, ['a watch event without type or object', 'an unknown watch event type SOMETHING']);
  t.match(changes[0], { type: 'kubernetes.node.added', resource: 'Node/n1' });
  await until(() => watcher.state === 'consuming', 10_000, 'consuming without the forbidden daemonsets');
  t.equal(watcher.resourceVersions()['/apis/apps/v1/daemonsets'], undefined);
});
