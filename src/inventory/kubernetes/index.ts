import { GatewayError } from '../../core/errors.js';
import { HttpError, type HttpClient } from '../../net/http-client.js';
import type { KubernetesCluster, KubernetesNode } from '../model.js';
import { part, type InventorySource, type SourceContext, type SourceOutcome } from '../source.js';
import type { KubeContext } from './kubeconfig.js';

type Obj = {
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
};

/** Standard services SCS clusters are expected to run, by deployment name. */
const STANDARD: { service: string; deployments: string[] }[] = [
  { service: 'flux', deployments: ['source-controller', 'kustomize-controller', 'helm-controller'] },
  { service: 'cert-manager', deployments: ['cert-manager'] },
  { service: 'ingress-nginx', deployments: ['ingress-nginx-controller'] },
  { service: 'metrics-server', deployments: ['metrics-server'] },
];
const CNI: { name: string; daemonsets: string[] }[] = [
  { name: 'cilium', daemonsets: ['cilium'] },
  { name: 'calico', daemonsets: ['calico-node'] },
  { name: 'flannel', daemonsets: ['kube-flannel-ds', 'kube-flannel'] },
];

function imageTag(obj: Obj): string | undefined {
  const containers =
    (obj.spec?.template as { spec?: { containers?: { image?: string }[] } } | undefined)?.spec?.containers ?? [];
  const image = containers[0]?.image;
  const m = image ? /:([^:@/]+)(?:@sha256:[0-9a-f]+)?$/.exec(image) : null;
  return m?.[1];
}

/** Items per list page (the API server may return fewer and a `continue` token). */
const PAGE_SIZE = 500;

/**
 * Every item of a collection, page by page (`limit`, then `continue`), as kubectl pages; the
 * list's resourceVersion (the first page's: the snapshot the pages are cut from) and the
 * deprecation notices the server sent. Shared by the source and the watch.
 */
export async function listPaged<T>(
  http: HttpClient,
  server: string,
  path: string,
  headers: Record<string, string>,
): Promise<{ items: T[]; resourceVersion: string; warnings: string[] }> {
  const items: T[] = [];
  const warnings: string[] = [];
  let token: string | undefined;
  let resourceVersion = '';
  for (let page = 0; page < 10_000; page++) {
    const sep = path.includes('?') ? '&' : '?';
    const res = await http.getJson<{ items?: T[]; metadata?: { continue?: string; resourceVersion?: string } }>(
      `${server}${path}${sep}limit=${PAGE_SIZE}${token ? `&continue=${encodeURIComponent(token)}` : ''}`,
      headers,
    );
    warnings.push(...warningsOf(res.headers.warning));
    items.push(...(res.body.items ?? []));
    if (page === 0) resourceVersion = res.body.metadata?.resourceVersion ?? '';
    token = res.body.metadata?.continue || undefined;
    if (!token) break;
  }
  return { items, resourceVersion, warnings };
}

interface ApiGroupList {
  groups: { name: string; versions: { version: string }[]; preferredVersion?: { version: string } }[];
}

/** The texts of `Warning: 299 - "…"` headers (RFC 7234 warn-text). */
export function warningsOf(header: unknown): string[] {
  const values = Array.isArray(header) ? header : header === undefined ? [] : [String(header)];
  return values.flatMap((v) =>
    [...String(v).matchAll(/299\s+\S+\s+"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!.slice(0, 300)),
  );
}

/** The cluster-stack-operator writes `latestRelease` as `<release> | <kubernetes version>`. */
export function latestRelease(raw: unknown): { latestRelease?: string; latestReleaseKubernetesVersion?: string } {
  if (typeof raw !== 'string' || !raw.trim()) return {};
  const [release, version] = raw.split('|').map((p) => p.trim());
  return {
    ...(release ? { latestRelease: release } : {}),
    ...(version ? { latestReleaseKubernetesVersion: version } : {}),
  };
}

/** The Kubernetes minor version a ClusterClass name carries, e.g. `openstack-scs-1-30-v2` → 1.30. */
export function classVersion(name: string): string | undefined {
  const m = /(?:^|-)(1)-(\d{2})(?:-|$)/.exec(name);
  return m ? `${m[1]}.${m[2]}` : undefined;
}

export class KubernetesSource implements InventorySource {
  readonly kind = 'kubernetes' as const;
  readonly id: string;
  readonly endpoint: string;

  constructor(private readonly kube: KubeContext) {
    this.id = `kubernetes:${kube.name}`;
    this.endpoint = kube.server;
  }

  async collect(ctx: SourceContext): Promise<SourceOutcome> {
    const k = this.kube;
    const http = ctx.createHttp({
      ...(k.ca ? { ca: k.ca } : {}),
      ...(k.clientCert ? { cert: k.clientCert } : {}),
      ...(k.clientKey ? { key: k.clientKey } : {}),
      insecure: k.insecure,
    });
    const headers: Record<string, string> = {};
    if (k.token) headers.authorization = `Bearer ${k.token}`;
    else if (k.basic)
      headers.authorization = `Basic ${Buffer.from(`${k.basic.username}:${k.basic.password}`).toString('base64')}`;
    const errors: string[] = [];
    const warnings: string[] = [];
    if (k.insecure) warnings.push('TLS certificate verification is disabled (insecure-skip-tls-verify)');
    const get = <T>(path: string) => http.getJson<T>(`${k.server}${path}`, headers).then((r) => r.body);
    /** Deprecation notices the API server sends (`Warning: 299 - "…"`), once each. */
    const notices = new Set<string>();
    /** Every item of a list, page by page (`limit`, then `continue`), as kubectl pages. */
    const listAll = async (path: string): Promise<Obj[]> => {
      const { items, warnings } = await listPaged<Obj>(http, k.server, path, headers);
      for (const w of warnings) notices.add(w);
      return items;
    };
    /** A list that may legitimately be absent (CRD not installed → empty). */
    const optionalList = async (path: string): Promise<Obj[]> => {
      try {
        return await listAll(path);
      } catch (err) {
        if (err instanceof HttpError && err.status === 404) return [];
        throw err;
      }
    };
    try {
      ctx.progress(`${this.id}: reading ${k.server}`);
      let version: { gitVersion: string; major: string; minor: string; platform?: string };
      try {
        version = await get('/version');
      } catch (err) {
        if (err instanceof HttpError && (err.status === 401 || err.status === 403)) {
          throw new GatewayError(
            `kubeconfig context "${k.name}": the API server ${k.server} rejected the credentials (HTTP ${err.status})`,
            'kubernetes-auth',
          );
        }
        throw new GatewayError(`kubeconfig context "${k.name}": ${(err as Error).message}`, 'kubernetes', {
          cause: err,
        });
      }
      // API discovery: which Cluster API version the server serves (v1beta2 preferred), if any.
      const discovery = await part(errors, 'API discovery (/apis)', undefined as ApiGroupList | undefined, () =>
        get<ApiGroupList>('/apis'),
      );
      const capiGroup = discovery?.groups.find((g) => g.name === 'cluster.x-k8s.io');
      const served = capiGroup?.versions.map((v) => v.version) ?? [];
      const capiVersion = ['v1beta2', 'v1beta1'].find((v) => served.includes(v));
      if (capiGroup && !capiVersion)
        errors.push(`Cluster API: the server serves ${served.join(', ')}, gx-gateway reads v1beta2 or v1beta1`);
      const stackGroup = discovery?.groups.some((g) => g.name === 'clusterstack.x-k8s.io');
      const [nodes, storageClasses, daemonsets, deployments, clusters, classes, stacks] = await Promise.all([
        part(errors, 'nodes', [] as Obj[], () => listAll('/api/v1/nodes')),
        part(errors, 'storage classes', [] as Obj[], () => listAll('/apis/storage.k8s.io/v1/storageclasses')),
        part(errors, 'daemonsets (CNI)', [] as Obj[], () => listAll('/apis/apps/v1/daemonsets')),
        part(errors, 'deployments (standard services)', [] as Obj[], () => listAll('/apis/apps/v1/deployments')),
        capiVersion
          ? part(errors, 'Cluster API clusters', [] as Obj[], () =>
              listAll(`/apis/cluster.x-k8s.io/${capiVersion}/clusters`),
            )
          : Promise.resolve([] as Obj[]),
        capiVersion
          ? part(errors, 'Cluster API cluster classes', [] as Obj[], () =>
              listAll(`/apis/cluster.x-k8s.io/${capiVersion}/clusterclasses`),
            )
          : Promise.resolve([] as Obj[]),
        stackGroup || !discovery
          ? part(errors, 'SCS cluster stacks', [] as Obj[], () =>
              optionalList('/apis/clusterstack.x-k8s.io/v1alpha1/clusterstacks'),
            )
          : Promise.resolve([] as Obj[]),
      ]);
      for (const n of notices) warnings.push(`deprecated API: ${n}`);
      const nodeList: KubernetesNode[] = nodes.map((n) => {
        const labels = n.metadata.labels ?? {};
        const info = (n.status?.nodeInfo ?? {}) as Record<string, string>;
        const conditions = (n.status?.conditions ?? []) as { type: string; status: string }[];
        const roles = Object.keys(labels)
          .filter((l) => l.startsWith('node-role.kubernetes.io/'))
          .map((l) => l.slice('node-role.kubernetes.io/'.length))
          .sort();
        const zone = labels['topology.kubernetes.io/zone'] ?? labels['failure-domain.beta.kubernetes.io/zone'];
        const region = labels['topology.kubernetes.io/region'] ?? labels['failure-domain.beta.kubernetes.io/region'];
        return {
          name: n.metadata.name,
          roles: roles.length ? roles : ['worker'],
          kubeletVersion: info.kubeletVersion ?? '',
          architecture: info.architecture ?? labels['kubernetes.io/arch'] ?? '',
          operatingSystem: info.operatingSystem ?? labels['kubernetes.io/os'] ?? '',
          ...(info.osImage ? { osImage: info.osImage } : {}),
          ...(info.containerRuntimeVersion ? { containerRuntime: info.containerRuntimeVersion } : {}),
          ...(zone ? { zone } : {}),
          ...(region ? { region } : {}),
          ready: conditions.some((c) => c.type === 'Ready' && c.status === 'True'),
        };
      });
      const sc = storageClasses.map((s) => {
        const raw = s as unknown as Obj & {
          provisioner: string;
          reclaimPolicy?: string;
          volumeBindingMode?: string;
          allowVolumeExpansion?: boolean;
        };
        const annotations = s.metadata.annotations ?? {};
        return {
          name: s.metadata.name,
          provisioner: raw.provisioner,
          default:
            annotations['storageclass.kubernetes.io/is-default-class'] === 'true' ||
            annotations['storageclass.beta.kubernetes.io/is-default-class'] === 'true',
          ...(raw.reclaimPolicy ? { reclaimPolicy: raw.reclaimPolicy } : {}),
          ...(raw.volumeBindingMode ? { volumeBindingMode: raw.volumeBindingMode } : {}),
          ...(raw.allowVolumeExpansion !== undefined ? { allowVolumeExpansion: raw.allowVolumeExpansion } : {}),
        };
      });
      const defaults = sc.filter((s) => s.default);
      if (defaults.length > 1)
        warnings.push(
          `${defaults.length} storage classes are marked default (${defaults.map((d) => d.name).join(', ')}); scs-0211 expects one`,
        );
      const cniHit = CNI.map((c) => ({ c, ds: daemonsets.find((d) => c.daemonsets.includes(d.metadata.name)) })).find(
        (x) => x.ds,
      );
      const standardServices = STANDARD.flatMap((s) => {
        const found = deployments.filter((dep) => s.deployments.includes(dep.metadata.name));
        const d = found[0];
        if (!d) return [];
        // A release (Flux v2.3.0) is in its labels; its controllers' image tags are their own versions.
        const labelled = found.map((f) => f.metadata.labels?.['app.kubernetes.io/version']).find(Boolean);
        const v = labelled ?? (found.length === 1 ? imageTag(d) : undefined);
        return [{ name: s.service, namespace: d.metadata.namespace ?? 'default', ...(v ? { version: v } : {}) }];
      });
      const capiClusters = clusters.map((c) => {
        const namespace = c.metadata.namespace ?? 'default';
        const topo = (c.spec?.topology ?? {}) as {
          class?: string;
          classNamespace?: string;
          classRef?: { name?: string; namespace?: string };
          version?: string;
        };
        const status = (c.status ?? {}) as {
          phase?: string;
          controlPlaneReady?: boolean;
          initialization?: { controlPlaneInitialized?: boolean };
        };
        const className = topo.classRef?.name ?? topo.class;
        const classNamespace = topo.classRef?.namespace ?? topo.classNamespace ?? namespace;
        const ready = status.initialization?.controlPlaneInitialized ?? status.controlPlaneReady;
        return {
          name: c.metadata.name,
          namespace,
          ...(topo.version ? { kubernetesVersion: topo.version } : {}),
          ...(className ? { clusterClass: className, clusterClassNamespace: classNamespace } : {}),
          ...(status.phase ? { phase: status.phase } : {}),
          ...(ready !== undefined ? { controlPlaneReady: ready } : {}),
        };
      });
      const capiClasses = classes.map((c) => {
        const namespace = c.metadata.namespace ?? 'default';
        const versions = new Set<string>();
        const fromName = classVersion(c.metadata.name);
        if (fromName) versions.add(fromName);
        for (const v of (c.spec?.kubernetesVersions as string[] | undefined) ?? [])
          if (typeof v === 'string') versions.add(v);
        // Only clusters of this very class: same name and same namespace (tenants stay apart).
        for (const cl of capiClusters)
          if (cl.clusterClass === c.metadata.name && cl.clusterClassNamespace === namespace && cl.kubernetesVersion)
            versions.add(cl.kubernetesVersion);
        return { name: c.metadata.name, namespace, kubernetesVersions: [...versions].sort() };
      });
      const clusterStacks = stacks.map((s) => {
        const spec = (s.spec ?? {}) as {
          provider?: string;
          name?: string;
          kubernetesVersion?: string;
          channel?: string;
          versions?: string[];
        };
        const status = (s.status ?? {}) as { latestRelease?: string; usableVersions?: string | string[] };
        const usable = Array.isArray(status.usableVersions)
          ? status.usableVersions
          : (status.usableVersions ?? '')
              .split(',')
              .map((v) => v.trim())
              .filter(Boolean);
        return {
          name: s.metadata.name,
          namespace: s.metadata.namespace ?? 'default',
          provider: spec.provider ?? '',
          stackName: spec.name ?? '',
          kubernetesVersion: spec.kubernetesVersion ?? '',
          ...(spec.channel ? { channel: spec.channel } : {}),
          versions: [...(spec.versions ?? [])].sort(),
          ...latestRelease(status.latestRelease),
          usableVersions: usable.sort(),
        };
      });
      const byName = <T extends { name: string; namespace?: string }>(a: T, b: T) =>
        `${a.namespace ?? ''}/${a.name}`.localeCompare(`${b.namespace ?? ''}/${b.name}`);
      const cluster: KubernetesCluster = {
        id: k.name,
        source: this.id,
        server: k.server,
        version: {
          gitVersion: version.gitVersion,
          major: version.major,
          minor: version.minor,
          ...(version.platform ? { platform: version.platform } : {}),
        },
        nodes: nodeList.sort((a, b) => a.name.localeCompare(b.name)),
        storageClasses: sc.sort((a, b) => a.name.localeCompare(b.name)),
        ...(defaults[0] ? { defaultStorageClass: defaults[0].name } : {}),
        ...(cniHit
          ? { cni: { name: cniHit.c.name, ...(imageTag(cniHit.ds!) ? { version: imageTag(cniHit.ds!)! } : {}) } }
          : {}),
        standardServices: standardServices.sort(byName),
        clusterApi: { clusters: capiClusters.sort(byName), clusterClasses: capiClasses.sort(byName) },
        clusterStacks: clusterStacks.sort(byName),
      };
      ctx.progress(
        `${this.id}: Kubernetes ${version.gitVersion}, ${nodeList.length} nodes, ${capiClusters.length} CAPI clusters, ${clusterStacks.length} cluster stacks`,
      );
      return {
        content: { kubernetesClusters: [cluster] },
        errors,
        warnings,
        apiVersions: {
          kubernetes: version.gitVersion,
          ...(capiVersion ? { 'cluster-api': `cluster.x-k8s.io/${capiVersion}` } : {}),
        },
        requests: http.stats.requests,
        retries: http.stats.retries,
        requestMs: http.stats.totalMs,
      };
    } finally {
      await http.close();
    }
  }
}
