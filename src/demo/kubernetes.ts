// A fake Kubernetes API server (HTTPS, client-certificate or bearer-token auth) with the objects
// gx-gateway reads: version, nodes, storage classes, daemonsets, deployments, Cluster API
// clusters and cluster classes, and SCS ClusterStacks. Shapes follow the Kubernetes API reference
// (core/v1, storage.k8s.io/v1, apps/v1), cluster.x-k8s.io (stored as v1beta2, also served as the
// deprecated v1beta1 with a `Warning: 299` header, as Cluster API v1.11 does) and
// clusterstack.x-k8s.io/v1alpha1 (status as the cluster-stack-operator writes it). Lists honour
// `limit` and `continue`; `/apis` answers API discovery. Every object has a uid and a
// resourceVersion; lists and watches (`?watch=1`) are served as kube-apiserver serves them (see
// watch() below), and Cluster API objects and cluster stacks can be created, replaced and deleted
// over HTTP (POST, PUT, DELETE) or in-process (apply, remove) — each change a watch event.
// Run on its own: node dist/src/demo/kubernetes.js
import { X509Certificate, generateKeyPairSync, randomBytes, randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { fileURLToPath } from 'node:url';
import { issueCertificate } from '../credentials/keys/certificates.js';
import { startFake, type FakeServer } from './http.js';

export interface FakeKubernetes extends FakeServer {
  /** A kubeconfig (YAML) with a client-certificate user and a token user. */
  kubeconfig: string;
  token: string;
  /** Change the cluster as its controllers and users would (each change is a watch event). */
  apply(collection: Collection, object: KubeObject): 'ADDED' | 'MODIFIED';
  remove(collection: Collection, namespace: string | undefined, name: string): boolean;
  /** Compact the history (as etcd compaction and the watch cache's window do): older resourceVersions → 410. */
  compact(): void;
  /** Break every open watch (an API server restart, a load balancer's idle cut). */
  dropWatches(): void;
  /** Send a bookmark on every watch that allows them. */
  bookmark(): void;
  /** Open watches. */
  readonly watching: number;
}

export type Collection =
  'nodes' | 'storageclasses' | 'daemonsets' | 'deployments' | 'clusters' | 'clusterclasses' | 'clusterstacks';
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    creationTimestamp?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  [key: string]: unknown;
}
interface Watch {
  collection: Collection;
  send(type: 'ADDED' | 'MODIFIED' | 'DELETED', object: KubeObject): void;
  bookmark(): void;
  end(clean: boolean): void;
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
    /** How a watch from a compacted resourceVersion fails: an ERROR event (default) or HTTP 410. */
    expiredAs?: 'event' | 'status';
    /** Bookmarks on watches that allow them, this often (default 60 s). */
    bookmarkEveryMs?: number;
    /** Changes kept for watches to resume from (older ones are compacted). */
    historyLimit?: number;
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
  const withCapi = opts.withCapi ?? true;
  const capiVersions = opts.capiVersions ?? ['v1beta2', 'v1beta1'];
  // The store, as etcd keeps it: every object with a uid and the resourceVersion of its last
  // change; one global revision; a history of changes a watch resumes from, until compacted.
  const initial = clusterObjects();
  let revision = 1000;
  const store = new Map<Collection, Map<string, KubeObject>>();
  const stamp = (o: KubeObject, uid?: string): KubeObject => {
    const c = structuredClone(o);
    c.metadata = {
      ...c.metadata,
      uid: uid ?? randomUUID(),
      resourceVersion: String(++revision),
      creationTimestamp: c.metadata.creationTimestamp ?? new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    };
    return c;
  };
  const keyOf = (o: { metadata: { name: string; namespace?: string } }) =>
    `${o.metadata.namespace ?? ''}/${o.metadata.name}`;
  for (const [collection, items] of [
    ['nodes', initial.nodes],
    ['storageclasses', initial.storageClasses],
    ['daemonsets', initial.daemonsets],
    ['deployments', initial.deployments],
    ['clusters', initial.clusters],
    ['clusterclasses', initial.clusterClasses],
    ['clusterstacks', initial.clusterStacks],
  ] as [Collection, KubeObject[]][]) {
    const m = new Map<string, KubeObject>();
    for (const o of items) m.set(keyOf(o), stamp(o));
    store.set(collection, m);
  }
  const history: { collection: Collection; type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: KubeObject; rv: number }[] =
    [];
  /** Watches resume from any resourceVersion ≥ this; older ones were compacted away (410 Expired). */
  let floor = revision;
  const watches = new Set<Watch>();
  const record = (collection: Collection, type: 'ADDED' | 'MODIFIED' | 'DELETED', object: KubeObject) => {
    history.push({ collection, type, object, rv: revision });
    if (history.length > (opts.historyLimit ?? 1000)) {
      const dropped = history.shift()!;
      floor = dropped.rv;
    }
    for (const w of watches) if (w.collection === collection) w.send(type, object);
  };
  const mutate = {
    apply(collection: Collection, object: KubeObject): 'ADDED' | 'MODIFIED' {
      const m = store.get(collection)!;
      const before = m.get(keyOf(object));
      const next = stamp(object, before?.metadata.uid);
      m.set(keyOf(next), next);
      const type = before ? 'MODIFIED' : 'ADDED';
      record(collection, type, next);
      return type;
    },
    remove(collection: Collection, namespace: string | undefined, name: string): boolean {
      const m = store.get(collection)!;
      const key = `${namespace ?? ''}/${name}`;
      const before = m.get(key);
      if (!before) return false;
      m.delete(key);
      const gone = structuredClone(before);
      gone.metadata.resourceVersion = String(++revision);
      record(collection, 'DELETED', gone);
      return true;
    },
    compact() {
      history.length = 0;
      floor = revision;
    },
    dropWatches() {
      for (const w of watches) w.end(false);
    },
    bookmark() {
      for (const w of watches) w.bookmark();
    },
  };
  let url: URL;
  const status = (code: number, reason: string, message: string) => ({
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: 'Failure',
    message,
    reason,
    code,
  });
  // Lists are paged as the API server pages them: `limit`, then `continue` from metadata.continue.
  const list = (kind: string, apiVersion: string, items: unknown[], headers?: Record<string, string>) => {
    const limit = Math.min(Number(url.searchParams.get('limit') ?? 0) || Infinity, opts.maxLimit ?? Infinity);
    const token = url.searchParams.get('continue');
    const [startText, rvText] = Buffer.from(token ?? '', 'base64')
      .toString()
      .split('@');
    const start = Number(startText || 0);
    const page = items.slice(start, start + limit);
    const more = start + page.length < items.length;
    // A continued list is cut from the snapshot of its first page (its resourceVersion).
    const listRv = rvText ?? String(revision);
    return {
      ...(headers ? { headers } : {}),
      json: {
        kind,
        apiVersion,
        metadata: {
          resourceVersion: listRv,
          ...(more
            ? {
                continue: Buffer.from(`${start + page.length}@${listRv}`).toString('base64'),
                remainingItemCount: items.length - start - page.length,
              }
            : {}),
        },
        items: page,
      },
    };
  };
  /**
   * A watch (`?watch=1`), as kube-apiserver serves it: HTTP 200, chunked, one JSON watch event per
   * line ({"type":"ADDED"|"MODIFIED"|"DELETED"|"BOOKMARK"|"ERROR","object":…}); from a
   * resourceVersion, the changes after it; without one (or "0"), the current objects as ADDED
   * first; BOOKMARK events (only the object's kind, apiVersion and metadata.resourceVersion) when
   * allowWatchBookmarks is set, periodically and before the server ends the watch at its
   * timeoutSeconds; a resourceVersion older than the history → an ERROR event carrying the 410
   * Expired Status ("too old resource version: X (Y)", the watch cache's form), or HTTP 410 with that
   * Status (`expiredAs: 'status'`, the form of a watch served from etcd directly).
   */
  const watch = (collection: Collection, kind: string, apiVersion: string, convert?: (o: KubeObject) => unknown) => {
    const from = url.searchParams.get('resourceVersion');
    const bookmarks = url.searchParams.get('allowWatchBookmarks') === 'true';
    const timeoutSeconds = Number(url.searchParams.get('timeoutSeconds') ?? 0) || 1800;
    const resume = from !== null && from !== '' && from !== '0';
    const expired =
      resume && /^\d+$/.test(from) && Number(from) < floor
        ? status(410, 'Expired', `too old resource version: ${from} (${floor})`)
        : undefined;
    if (expired && opts.expiredAs === 'status') return { status: 410, json: expired };
    const objectKind = kind.replace(/List$/, '');
    return {
      stream(res: ServerResponse) {
        res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-cache, private' });
        const line = (type: string, object: unknown) => res.write(`${JSON.stringify({ type, object })}\n`);
        if (expired) {
          line('ERROR', expired);
          res.end();
          return;
        }
        // Set below, once the watch is registered (end() runs only later, from an event or a timer).
        const timers: NodeJS.Timeout[] = [];
        const w: Watch = {
          collection,
          send: (type, object) => line(type, convert ? convert(object) : object),
          bookmark: () => {
            if (bookmarks)
              line('BOOKMARK', { kind: objectKind, apiVersion, metadata: { resourceVersion: String(revision) } });
          },
          end(clean) {
            for (const x of timers) clearTimeout(x);
            watches.delete(w);
            if (clean) {
              w.bookmark();
              res.end();
            } else res.destroy();
          },
        };
        if (!resume) for (const o of store.get(collection)!.values()) w.send('ADDED', o);
        else for (const h of history) if (h.collection === collection && h.rv > Number(from)) w.send(h.type, h.object);
        watches.add(w);
        res.on('close', () => w.end(false));
        timers.push(
          setTimeout(() => w.end(true), timeoutSeconds * 1000).unref(),
          setInterval(() => w.bookmark(), opts.bookmarkEveryMs ?? 60_000).unref(),
        );
      },
    };
  };
  const items = (collection: Collection) =>
    [...store.get(collection)!.values()].sort((a, b) => keyOf(a).localeCompare(keyOf(b)));
  const serve = (
    collection: Collection,
    kind: string,
    apiVersion: string,
    headers?: Record<string, string>,
    convert?: (o: KubeObject) => unknown,
  ) => {
    const watching = url.searchParams.get('watch');
    if (watching === '1' || watching === 'true') return watch(collection, kind, apiVersion, convert);
    const all = items(collection);
    return list(kind, apiVersion, convert ? all.map(convert) : all, headers);
  };
  const capi = (collection: Collection, kind: string, version: string) => {
    if (!withCapi || !capiVersions.includes(version as 'v1beta1')) return undefined;
    if (version === 'v1beta2') return serve(collection, kind, 'cluster.x-k8s.io/v1beta2');
    return serve(
      collection,
      kind,
      'cluster.x-k8s.io/v1beta1',
      {
        warning: `299 - "cluster.x-k8s.io/v1beta1 ${kind.replace(/List$/, '')} is deprecated; use cluster.x-k8s.io/v1beta2 ${kind.replace(/List$/, '')}"`,
      },
      toV1beta1 as (o: KubeObject) => unknown,
    );
  };
  /**
   * Create, replace and delete of namespaced Cluster API objects and cluster stacks
   * (`POST …/namespaces/{ns}/clusters`, `PUT|DELETE …/namespaces/{ns}/clusters/{name}`), as the API
   * server answers them: 201 with the object, 409 AlreadyExists, 404 NotFound, 200 on delete.
   */
  const write = (method: string, body: string) => {
    const m =
      /^\/apis\/(cluster\.x-k8s\.io\/v1beta2|clusterstack\.x-k8s\.io\/v1alpha1)\/namespaces\/([a-z0-9-]{1,63})\/(clusters|clusterclasses|clusterstacks)(?:\/([a-z0-9.-]{1,253}))?$/.exec(
        url.pathname,
      );
    if (!m || !withCapi) return undefined;
    const [, groupVersion, namespace, plural, name] = m as unknown as [string, string, string, Collection, string?];
    if ((plural === 'clusterstacks') !== groupVersion!.startsWith('clusterstack')) return undefined;
    const collection = plural;
    if (method === 'DELETE' && name) {
      const gone = store.get(collection)!.get(`${namespace}/${name}`);
      if (!mutate.remove(collection, namespace, name))
        return { status: 404, json: status(404, 'NotFound', `${plural} "${name}" not found`) };
      return { json: gone };
    }
    if (method !== 'POST' && method !== 'PUT') return undefined;
    let object: KubeObject;
    try {
      object = JSON.parse(body) as KubeObject;
    } catch {
      return { status: 400, json: status(400, 'BadRequest', 'the body is not JSON') };
    }
    if (!object?.metadata?.name || (method === 'PUT' && object.metadata.name !== name))
      return { status: 400, json: status(400, 'BadRequest', 'metadata.name is required (and must match the URL)') };
    object.metadata.namespace = namespace;
    const exists = store.get(collection)!.has(`${namespace}/${object.metadata.name}`);
    if (method === 'POST' && (name || exists))
      return { status: 409, json: status(409, 'AlreadyExists', `${plural} "${object.metadata.name}" already exists`) };
    if (method === 'PUT' && !exists)
      return { status: 404, json: status(404, 'NotFound', `${plural} "${object.metadata.name}" not found`) };
    const type = mutate.apply(collection, object);
    return { status: type === 'ADDED' ? 201 : 200, json: store.get(collection)!.get(keyOf(object)) };
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
    (req, reqUrl, body) => {
      url = reqUrl;
      const sock = req.socket as TLSSocket;
      const certOk = sock.authorized === true;
      const tokenOk = req.headers.authorization === `Bearer ${token}`;
      if (!certOk && !tokenOk) return { status: 401, json: status(401, 'Unauthorized', 'Unauthorized') };
      if (req.method !== 'GET')
        return (
          write(req.method ?? '', body) ?? {
            status: 405,
            json: status(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource'),
          }
        );
      switch (url.pathname) {
        case '/version':
          return { json: initial.version };
        case '/apis':
          return { json: groups() };
        case '/api/v1/nodes':
          return serve('nodes', 'NodeList', 'v1');
        case '/apis/storage.k8s.io/v1/storageclasses':
          return serve('storageclasses', 'StorageClassList', 'storage.k8s.io/v1');
        case '/apis/apps/v1/daemonsets':
          return serve('daemonsets', 'DaemonSetList', 'apps/v1');
        case '/apis/apps/v1/deployments':
          return serve('deployments', 'DeploymentList', 'apps/v1');
        case '/apis/cluster.x-k8s.io/v1beta2/clusters':
          return capi('clusters', 'ClusterList', 'v1beta2');
        case '/apis/cluster.x-k8s.io/v1beta1/clusters':
          return capi('clusters', 'ClusterList', 'v1beta1');
        case '/apis/cluster.x-k8s.io/v1beta2/clusterclasses':
          return capi('clusterclasses', 'ClusterClassList', 'v1beta2');
        case '/apis/cluster.x-k8s.io/v1beta1/clusterclasses':
          return capi('clusterclasses', 'ClusterClassList', 'v1beta1');
        case '/apis/clusterstack.x-k8s.io/v1alpha1/clusterstacks':
          return withCapi ? serve('clusterstacks', 'ClusterStackList', 'clusterstack.x-k8s.io/v1alpha1') : undefined;
        default:
          return { status: 404, json: status(404, 'NotFound', 'the server could not find the requested resource') };
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
  const { apply, remove, compact, dropWatches, bookmark } = mutate;
  const fake = Object.assign(server, { kubeconfig, token, apply, remove, compact, dropWatches, bookmark });
  return Object.defineProperty(fake, 'watching', { get: () => watches.size }) as unknown as FakeKubernetes;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const fake = await startFakeKubernetes({ port: Number(process.argv[2] ?? 0) });
  process.stdout.write(`fake Kubernetes API at ${fake.url}\n--- kubeconfig ---\n${fake.kubeconfig}`);
}
