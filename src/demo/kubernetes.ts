// A fake Kubernetes API server (HTTPS, client-certificate or bearer-token auth) with the objects
// gx-gateway reads: version, nodes, storage classes, daemonsets, deployments, Cluster API
// clusters and cluster classes, and SCS ClusterStacks. Shapes follow the Kubernetes API reference
// (core/v1, storage.k8s.io/v1, apps/v1), cluster.x-k8s.io (stored as v1beta2, also served as the
// deprecated v1beta1 with a `Warning: 299` header, as Cluster API v1.11 does) and
// clusterstack.x-k8s.io/v1alpha1 (status as the cluster-stack-operator writes it). Lists honour
// `limit` and `continue`; `/apis` answers API discovery.
// Run on its own: node dist/src/demo/kubernetes.js
import { X509Certificate, generateKeyPairSync, randomBytes } from 'node:crypto';
import type { TLSSocket } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { issueCertificate } from '../credentials/keys/certificates.js';
import { startFake, type FakeServer } from './http.js';

export interface FakeKubernetes extends FakeServer {
  /** A kubeconfig (YAML) with a client-certificate user and a token user. */
  kubeconfig: string;
  token: string;
}

const node = (name: string, role: string | null, zone: string, arch = 'amd64') => ({
  metadata: {
    name,
    labels: {
      'kubernetes.io/arch': arch,
      'kubernetes.io/os': 'linux',
      'kubernetes.io/hostname': name,
      'topology.kubernetes.io/region': 'RegionOne',
      'topology.kubernetes.io/zone': zone,
      ...(role ? { [`node-role.kubernetes.io/${role}`]: '' } : {}),
    },
  },
  status: {
    conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady' }],
    nodeInfo: {
      kubeletVersion: 'v1.31.4',
      architecture: arch,
      operatingSystem: 'linux',
      osImage: 'Ubuntu 24.04.1 LTS',
      containerRuntimeVersion: 'containerd://1.7.24',
      kernelVersion: '6.8.0-49-generic',
    },
  },
});
const workload = (
  kind: 'DaemonSet' | 'Deployment',
  namespace: string,
  name: string,
  image: string,
  labels?: Record<string, string>,
) => ({
  apiVersion: 'apps/v1',
  kind,
  metadata: { name, namespace, ...(labels ? { labels } : {}) },
  spec: { template: { spec: { containers: [{ name, image }] } } },
});
/** Labels the Flux v2.3.0 install manifests put on every controller. */
const flux = {
  'app.kubernetes.io/instance': 'flux-system',
  'app.kubernetes.io/part-of': 'flux',
  'app.kubernetes.io/version': 'v2.3.0',
};

export function clusterObjects() {
  return {
    version: {
      major: '1',
      minor: '31',
      gitVersion: 'v1.31.4',
      gitCommit: 'a78aa47129b8539636eb86a9d00e31b2720fe06b',
      platform: 'linux/amd64',
      goVersion: 'go1.22.10',
    },
    nodes: [
      node('cp-0', 'control-plane', 'az-a'),
      node('cp-1', 'control-plane', 'az-b'),
      node('worker-0', null, 'az-a'),
      node('worker-1', null, 'az-b'),
      node('worker-arm-0', null, 'az-a', 'arm64'),
    ],
    storageClasses: [
      {
        apiVersion: 'storage.k8s.io/v1',
        kind: 'StorageClass',
        metadata: {
          name: 'csi-cinder-sc-delete',
          annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' },
        },
        provisioner: 'cinder.csi.openstack.org',
        reclaimPolicy: 'Delete',
        volumeBindingMode: 'Immediate',
        allowVolumeExpansion: true,
      },
      {
        apiVersion: 'storage.k8s.io/v1',
        kind: 'StorageClass',
        metadata: { name: 'csi-cinder-sc-retain' },
        provisioner: 'cinder.csi.openstack.org',
        reclaimPolicy: 'Retain',
        volumeBindingMode: 'Immediate',
        allowVolumeExpansion: true,
      },
    ],
    daemonsets: [
      workload(
        'DaemonSet',
        'kube-system',
        'cilium',
        'quay.io/cilium/cilium:v1.16.5@sha256:758ca0793f5995bb938a2fa219dcce63dc0b3fa7fc4ce5cc851125281fb7361d',
      ),
      workload('DaemonSet', 'kube-system', 'kube-proxy', 'registry.k8s.io/kube-proxy:v1.31.4'),
    ],
    deployments: [
      // Flux v2.3.0: each controller has its own version; the release is in the labels.
      workload('Deployment', 'flux-system', 'helm-controller', 'ghcr.io/fluxcd/helm-controller:v1.0.1', flux),
      workload('Deployment', 'flux-system', 'kustomize-controller', 'ghcr.io/fluxcd/kustomize-controller:v1.3.0', flux),
      workload('Deployment', 'flux-system', 'source-controller', 'ghcr.io/fluxcd/source-controller:v1.3.0', flux),
      workload('Deployment', 'cert-manager', 'cert-manager', 'quay.io/jetstack/cert-manager-controller:v1.16.2'),
      workload(
        'Deployment',
        'ingress-nginx',
        'ingress-nginx-controller',
        'registry.k8s.io/ingress-nginx/controller:v1.12.0',
      ),
      workload('Deployment', 'kube-system', 'metrics-server', 'registry.k8s.io/metrics-server/metrics-server:v0.7.2'),
      workload('Deployment', 'kube-system', 'coredns', 'registry.k8s.io/coredns/coredns:v1.11.3'),
    ],
    // Stored as cluster.x-k8s.io/v1beta2 (topology.classRef, status.initialization).
    clusters: [
      {
        apiVersion: 'cluster.x-k8s.io/v1beta2',
        kind: 'Cluster',
        metadata: { name: 'tenant-a', namespace: 'project-a' },
        spec: { topology: { classRef: { name: 'openstack-scs-1-31-v2' }, version: 'v1.31.4' } },
        status: {
          phase: 'Provisioned',
          initialization: { infrastructureProvisioned: true, controlPlaneInitialized: true },
        },
      },
      {
        apiVersion: 'cluster.x-k8s.io/v1beta2',
        kind: 'Cluster',
        metadata: { name: 'tenant-b', namespace: 'project-b' },
        spec: { topology: { classRef: { name: 'openstack-scs-1-30-v3' }, version: 'v1.30.8' } },
        status: {
          phase: 'Provisioned',
          initialization: { infrastructureProvisioned: true, controlPlaneInitialized: true },
        },
      },
      {
        // Another tenant's class of the same name: its versions must not leak into project-a's.
        apiVersion: 'cluster.x-k8s.io/v1beta2',
        kind: 'Cluster',
        metadata: { name: 'tenant-c', namespace: 'project-c' },
        spec: { topology: { classRef: { name: 'openstack-scs-1-31-v2' }, version: 'v1.31.1' } },
        status: {
          phase: 'Provisioning',
          initialization: { infrastructureProvisioned: true, controlPlaneInitialized: false },
        },
      },
    ],
    clusterClasses: [
      {
        apiVersion: 'cluster.x-k8s.io/v1beta2',
        kind: 'ClusterClass',
        metadata: { name: 'openstack-scs-1-30-v3', namespace: 'project-b' },
        spec: {},
      },
      {
        apiVersion: 'cluster.x-k8s.io/v1beta2',
        kind: 'ClusterClass',
        metadata: { name: 'openstack-scs-1-31-v2', namespace: 'project-a' },
        spec: { kubernetesVersions: ['v1.31.3', 'v1.31.4'] },
      },
      {
        apiVersion: 'cluster.x-k8s.io/v1beta2',
        kind: 'ClusterClass',
        metadata: { name: 'openstack-scs-1-31-v2', namespace: 'project-c' },
        spec: {},
      },
    ],
    clusterStacks: [
      {
        apiVersion: 'clusterstack.x-k8s.io/v1alpha1',
        kind: 'ClusterStack',
        metadata: { name: 'openstack-scs-1-31', namespace: 'project-a' },
        spec: {
          provider: 'openstack',
          name: 'scs',
          kubernetesVersion: '1.31',
          channel: 'stable',
          autoSubscribe: false,
          versions: ['v1', 'v2'],
        },
        // As the cluster-stack-operator writes it: "<release> | <kubernetes version>".
        status: { latestRelease: 'openstack-scs-1-31-v2 | v1.31.4', usableVersions: 'v1, v2' },
      },
      {
        apiVersion: 'clusterstack.x-k8s.io/v1alpha1',
        kind: 'ClusterStack',
        metadata: { name: 'openstack-scs-1-30', namespace: 'project-b' },
        spec: {
          provider: 'openstack',
          name: 'scs',
          kubernetesVersion: '1.30',
          channel: 'stable',
          autoSubscribe: false,
          versions: ['v3'],
        },
        status: { latestRelease: 'openstack-scs-1-30-v3 | v1.30.8', usableVersions: 'v3' },
      },
    ],
  };
}

/** Cluster API v1beta2 objects as the deprecated v1beta1 serves them (classRef → class/classNamespace). */
function toV1beta1(o: Record<string, unknown>): Record<string, unknown> {
  const c = structuredClone(o) as {
    apiVersion: string;
    spec?: { topology?: { classRef?: { name: string; namespace?: string }; class?: string; classNamespace?: string } };
    status?: { initialization?: { controlPlaneInitialized?: boolean }; controlPlaneReady?: boolean };
  };
  c.apiVersion = 'cluster.x-k8s.io/v1beta1';
  const ref = c.spec?.topology?.classRef;
  if (c.spec?.topology && ref) {
    delete c.spec.topology.classRef;
    c.spec.topology.class = ref.name;
    if (ref.namespace) c.spec.topology.classNamespace = ref.namespace;
  }
  if (c.status?.initialization) {
    c.status.controlPlaneReady = Boolean(c.status.initialization.controlPlaneInitialized);
    delete c.status.initialization;
  }
  return c as unknown as Record<string, unknown>;
}

export async function startFakeKubernetes(
  opts: {
    port?: number;
    withCapi?: boolean;
    /** Which Cluster API versions are served (default both, v1beta2 preferred). */
    capiVersions?: ('v1beta2' | 'v1beta1')[];
    /** Most items a list page holds, whatever `limit` asks for. */
    maxLimit?: number;
  } = {},
): Promise<FakeKubernetes> {
  const caKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const caPem = await issueCertificate({
    subjectKey: caKey.publicKey,
    selfSignKey: caKey.privateKey,
    subject: 'CN=kubernetes',
    isCa: true,
  });
  const ca = { certificate: new X509Certificate(caPem), key: caKey.privateKey };
  const serverKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const serverPem = await issueCertificate({
    subjectKey: serverKey.publicKey,
    subject: 'CN=kube-apiserver',
    issuer: ca,
    dnsNames: ['localhost', 'kubernetes.default.svc'],
    ipAddresses: ['127.0.0.1'],
  });
  const clientKey = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const clientPem = await issueCertificate({
    subjectKey: clientKey.publicKey,
    subject: 'CN=gx-gateway, O=system:masters',
    issuer: ca,
  });
  const token = randomBytes(24).toString('hex');
  const objects = clusterObjects();
  const withCapi = opts.withCapi ?? true;
  const capiVersions = opts.capiVersions ?? ['v1beta2', 'v1beta1'];
  let url: URL;
  // Lists are paged as the API server pages them: `limit`, then `continue` from metadata.continue.
  const list = (kind: string, apiVersion: string, items: unknown[], headers?: Record<string, string>) => {
    const limit = Math.min(Number(url.searchParams.get('limit') ?? 0) || Infinity, opts.maxLimit ?? Infinity);
    const start = Number(Buffer.from(url.searchParams.get('continue') ?? '', 'base64').toString() || 0);
    const page = items.slice(start, start + limit);
    const more = start + page.length < items.length;
    return {
      ...(headers ? { headers } : {}),
      json: {
        kind,
        apiVersion,
        metadata: {
          resourceVersion: '1',
          ...(more
            ? {
                continue: Buffer.from(String(start + page.length)).toString('base64'),
                remainingItemCount: items.length - start - page.length,
              }
            : {}),
        },
        items: page,
      },
    };
  };
  const capi = (kind: string, version: string, items: Record<string, unknown>[]) => {
    if (!withCapi || !capiVersions.includes(version as 'v1beta1')) return undefined;
    if (version === 'v1beta2') return list(kind, 'cluster.x-k8s.io/v1beta2', items);
    return list(kind, 'cluster.x-k8s.io/v1beta1', items.map(toV1beta1), {
      warning: `299 - "cluster.x-k8s.io/v1beta1 ${kind.replace(/List$/, '')} is deprecated; use cluster.x-k8s.io/v1beta2 ${kind.replace(/List$/, '')}"`,
    });
  };
  const groups = () => ({
    kind: 'APIGroupList',
    apiVersion: 'v1',
    groups: [
      {
        name: 'apps',
        versions: [{ groupVersion: 'apps/v1', version: 'v1' }],
        preferredVersion: { groupVersion: 'apps/v1', version: 'v1' },
      },
      {
        name: 'storage.k8s.io',
        versions: [{ groupVersion: 'storage.k8s.io/v1', version: 'v1' }],
        preferredVersion: { groupVersion: 'storage.k8s.io/v1', version: 'v1' },
      },
      ...(withCapi
        ? [
            {
              name: 'cluster.x-k8s.io',
              versions: capiVersions.map((v) => ({ groupVersion: `cluster.x-k8s.io/${v}`, version: v })),
              preferredVersion: { groupVersion: `cluster.x-k8s.io/${capiVersions[0]}`, version: capiVersions[0] },
            },
            {
              name: 'clusterstack.x-k8s.io',
              versions: [{ groupVersion: 'clusterstack.x-k8s.io/v1alpha1', version: 'v1alpha1' }],
              preferredVersion: { groupVersion: 'clusterstack.x-k8s.io/v1alpha1', version: 'v1alpha1' },
            },
          ]
        : []),
    ],
  });
  const server = await startFake(
    (req, reqUrl) => {
      url = reqUrl;
      const sock = req.socket as TLSSocket;
      const certOk = sock.authorized === true;
      const tokenOk = req.headers.authorization === `Bearer ${token}`;
      if (!certOk && !tokenOk)
        return {
          status: 401,
          json: {
            kind: 'Status',
            apiVersion: 'v1',
            status: 'Failure',
            message: 'Unauthorized',
            reason: 'Unauthorized',
            code: 401,
          },
        };
      switch (url.pathname) {
        case '/version':
          return { json: objects.version };
        case '/apis':
          return { json: groups() };
        case '/api/v1/nodes':
          return list('NodeList', 'v1', objects.nodes);
        case '/apis/storage.k8s.io/v1/storageclasses':
          return list('StorageClassList', 'storage.k8s.io/v1', objects.storageClasses);
        case '/apis/apps/v1/daemonsets':
          return list('DaemonSetList', 'apps/v1', objects.daemonsets);
        case '/apis/apps/v1/deployments':
          return list('DeploymentList', 'apps/v1', objects.deployments);
        case '/apis/cluster.x-k8s.io/v1beta2/clusters':
          return capi('ClusterList', 'v1beta2', objects.clusters);
        case '/apis/cluster.x-k8s.io/v1beta1/clusters':
          return capi('ClusterList', 'v1beta1', objects.clusters);
        case '/apis/cluster.x-k8s.io/v1beta2/clusterclasses':
          return capi('ClusterClassList', 'v1beta2', objects.clusterClasses);
        case '/apis/cluster.x-k8s.io/v1beta1/clusterclasses':
          return capi('ClusterClassList', 'v1beta1', objects.clusterClasses);
        case '/apis/clusterstack.x-k8s.io/v1alpha1/clusterstacks':
          return withCapi
            ? list('ClusterStackList', 'clusterstack.x-k8s.io/v1alpha1', objects.clusterStacks)
            : undefined;
        default:
          return {
            status: 404,
            json: {
              kind: 'Status',
              apiVersion: 'v1',
              status: 'Failure',
              message: 'the server could not find the requested resource',
              reason: 'NotFound',
              code: 404,
            },
          };
      }
    },
    {
      ...(opts.port !== undefined ? { port: opts.port } : {}),
      tls: {
        cert: `${serverPem.trim()}\n${caPem.trim()}\n`,
        key: serverKey.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
        ca: caPem,
        requestCert: true,
      },
    },
  );
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const kubeconfig = `apiVersion: v1
kind: Config
current-context: admin@fake
clusters:
- name: fake
  cluster:
    server: ${server.url}
    certificate-authority-data: ${b64(caPem)}
contexts:
- name: admin@fake
  context: { cluster: fake, user: admin }
- name: token@fake
  context: { cluster: fake, user: token-user }
users:
- name: admin
  user:
    client-certificate-data: ${b64(clientPem)}
    client-key-data: ${b64(clientKey.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string)}
- name: token-user
  user:
    token: ${token}
`;
  return { ...server, kubeconfig, token };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const fake = await startFakeKubernetes({ port: Number(process.argv[2] ?? 0) });
  process.stdout.write(`fake Kubernetes API at ${fake.url}\n--- kubeconfig ---\n${fake.kubeconfig}`);
}
