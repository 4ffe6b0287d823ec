import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildInventory } from '../../src/inventory/build.js';
import { KubernetesSource, classVersion } from '../../src/inventory/kubernetes/index.js';
import { resolveKubeContext } from '../../src/inventory/kubernetes/kubeconfig.js';
import { startFakeKubernetes } from '../../src/demo/kubernetes.js';

const fake = await startFakeKubernetes();
const bare = await startFakeKubernetes({ withCapi: false });
t.teardown(async () => {
  await fake.close();
  await bare.close();
});
const dir = mkdtempSync(join(tmpdir(), 'gxg-kube-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const kubeconfig = join(dir, 'config');
writeFileSync(kubeconfig, fake.kubeconfig);

t.test('a management cluster over HTTPS with a client certificate', async (t) => {
  const inv = await buildInventory([new KubernetesSource(resolveKubeContext({ path: kubeconfig }))]);
  t.match(inv.sources[0], { id: 'kubernetes:admin@fake', status: 'ok', apiVersions: { kubernetes: 'v1.31.4' } });
  const k = inv.kubernetesClusters[0]!;
  t.match(k.version, { gitVersion: 'v1.31.4', major: '1', minor: '31' });
  t.equal(k.nodes.length, 5);
  t.same(
    k.nodes.find((n) => n.name === 'cp-0'),
    {
      name: 'cp-0',
      roles: ['control-plane'],
      kubeletVersion: 'v1.31.4',
      architecture: 'amd64',
      operatingSystem: 'linux',
      osImage: 'Ubuntu 24.04.1 LTS',
      containerRuntime: 'containerd://1.7.24',
      zone: 'az-a',
      region: 'RegionOne',
      ready: true,
    },
  );
  t.same(k.nodes.find((n) => n.name === 'worker-arm-0')!.architecture, 'arm64');
  t.equal(k.defaultStorageClass, 'csi-cinder-sc-delete');
  t.same(k.cni, { name: 'cilium', version: 'v1.16.5' }, 'CNI and version from the image tag (digest stripped)');
  t.same(
    k.standardServices.map((s) => `${s.name}@${s.version}`),
    ['cert-manager@v1.16.2', 'flux@v2.3.0', 'ingress-nginx@v1.12.0', 'metrics-server@v0.7.2'],
    "Flux's release from its labels, not the first controller's image tag (helm-controller v1.0.1)",
  );
  t.same(
    k.clusterApi.clusters.map((c) => [
      c.name,
      c.clusterClass,
      c.clusterClassNamespace,
      c.kubernetesVersion,
      c.controlPlaneReady,
    ]),
    [
      ['tenant-a', 'openstack-scs-1-31-v2', 'project-a', 'v1.31.4', true],
      ['tenant-b', 'openstack-scs-1-30-v3', 'project-b', 'v1.30.8', true],
      ['tenant-c', 'openstack-scs-1-31-v2', 'project-c', 'v1.31.1', false],
    ],
    'v1beta2: topology.classRef, status.initialization',
  );
  t.equal(inv.sources[0]!.apiVersions['cluster-api'], 'cluster.x-k8s.io/v1beta2', 'v1beta2 preferred');
  const classOf = (ns: string) =>
    k.clusterApi.clusterClasses.find((c) => c.name === 'openstack-scs-1-31-v2' && c.namespace === ns)!;
  t.same(
    classOf('project-a').kubernetesVersions,
    ['1.31', 'v1.31.3', 'v1.31.4'],
    'its name, spec.kubernetesVersions and its own clusters',
  );
  t.same(
    classOf('project-c').kubernetesVersions,
    ['1.31', 'v1.31.1'],
    "another tenant's class of the same name keeps its own versions",
  );
  t.same(
    k.clusterStacks.find((c) => c.name === 'openstack-scs-1-30'),
    {
      name: 'openstack-scs-1-30',
      namespace: 'project-b',
      provider: 'openstack',
      stackName: 'scs',
      kubernetesVersion: '1.30',
      channel: 'stable',
      versions: ['v3'],
      latestRelease: 'openstack-scs-1-30-v3',
      latestReleaseKubernetesVersion: 'v1.30.8',
      usableVersions: ['v3'],
    },
  );
  t.notMatch(JSON.stringify(inv), /BEGIN|PRIVATE|client-key/, 'no key material');
});

t.test('bearer token users; a cluster without Cluster API is not an error', async (t) => {
  const inv = await buildInventory([
    new KubernetesSource(resolveKubeContext({ path: kubeconfig, context: 'token@fake' })),
  ]);
  t.equal(inv.sources[0]!.status, 'ok');
  const cfg = join(dir, 'bare');
  writeFileSync(cfg, bare.kubeconfig);
  const plain = await buildInventory([new KubernetesSource(resolveKubeContext({ path: cfg }))]);
  t.equal(plain.sources[0]!.status, 'ok');
  t.same(plain.kubernetesClusters[0]!.clusterStacks, []);
  t.same(plain.kubernetesClusters[0]!.clusterApi, { clusters: [], clusterClasses: [] });
  t.notMatch(JSON.stringify(inv), new RegExp(fake.token), 'the token never appears');
});

t.test('rejected credentials and broken kubeconfigs are clear errors', async (t) => {
  const wrong = join(dir, 'wrong');
  writeFileSync(wrong, fake.kubeconfig.replace(`token: ${fake.token}`, 'token: wrong'));
  const inv = await buildInventory([new KubernetesSource(resolveKubeContext({ path: wrong, context: 'token@fake' }))]);
  t.match(inv.sources[0], {
    status: 'failed',
    errors: [
      /^kubeconfig context "token@fake": the API server https:\/\/127\.0\.0\.1:\d+ rejected the credentials \(HTTP 401\)$/,
    ],
  });
  t.throws(
    () => resolveKubeContext({ path: kubeconfig, context: 'nope' }),
    /context "nope" is not in .* \(it has: admin@fake, token@fake\)/,
  );
  const exec = join(dir, 'exec');
  writeFileSync(
    exec,
    'current-context: c\ncontexts: [{name: c, context: {cluster: k, user: u}}]\nclusters: [{name: k, cluster: {server: "https://k"}}]\nusers: [{name: u, user: {exec: {command: aws}}}]\n',
  );
  t.throws(() => resolveKubeContext({ path: exec }), /exec or auth-provider plugin, which gx-gateway does not run/);
  t.throws(() => resolveKubeContext({ path: join(dir, 'missing') }), /no kubeconfig found/);
  t.equal(
    resolveKubeContext({ env: { KUBECONFIG: `${join(dir, 'missing')}:${kubeconfig}` }, context: 'admin@fake' }).server,
    fake.url,
    'KUBECONFIG lists: missing files skipped, the rest merged',
  );
});

t.test('cluster class names carry the Kubernetes minor version', async (t) => {
  t.equal(classVersion('openstack-scs-1-30-v3'), '1.30');
  t.equal(classVersion('openstack-alpha-1-29'), '1.29');
  t.equal(classVersion('custom-class'), undefined);
});

t.test('only v1beta1 served: read it and report its deprecation; lists are paged', async (t) => {
  const old = await startFakeKubernetes({ capiVersions: ['v1beta1'], maxLimit: 2 });
  t.teardown(() => old.close());
  const cfg = join(dir, 'old');
  writeFileSync(cfg, old.kubeconfig);
  const inv = await buildInventory([new KubernetesSource(resolveKubeContext({ path: cfg }))]);
  const k = inv.kubernetesClusters[0]!;
  t.equal(inv.sources[0]!.status, 'ok');
  t.equal(inv.sources[0]!.apiVersions['cluster-api'], 'cluster.x-k8s.io/v1beta1');
  t.equal(k.clusterApi.clusters.length, 3, 'every cluster, across pages of two');
  t.equal(k.nodes.length, 5, 'nodes across pages of two');
  t.same(k.clusterApi.clusters[0], {
    name: 'tenant-a',
    namespace: 'project-a',
    kubernetesVersion: 'v1.31.4',
    clusterClass: 'openstack-scs-1-31-v2',
    clusterClassNamespace: 'project-a',
    phase: 'Provisioned',
    controlPlaneReady: true,
  });
  t.ok(
    inv.sources[0]!.warnings.some((w) => /deprecated API: cluster.x-k8s.io\/v1beta1 Cluster is deprecated/.test(w)),
    'the Warning: 299 header becomes a source warning',
  );
  t.ok(
    old.requests.some((r) => /continue=/.test(r.path)),
    'followed metadata.continue',
  );
});

t.test('only v1beta2 served: not mistaken for "Cluster API not installed"', async (t) => {
  const fresh = await startFakeKubernetes({ capiVersions: ['v1beta2'] });
  t.teardown(() => fresh.close());
  const cfg = join(dir, 'fresh');
  writeFileSync(cfg, fresh.kubeconfig);
  const inv = await buildInventory([new KubernetesSource(resolveKubeContext({ path: cfg }))]);
  t.equal(inv.kubernetesClusters[0]!.clusterApi.clusters.length, 3);
  t.equal(inv.kubernetesClusters[0]!.clusterApi.clusterClasses.length, 3);
});
