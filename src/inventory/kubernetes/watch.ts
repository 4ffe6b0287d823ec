// Kubernetes watches: what the Kubernetes source lists (nodes, storage classes, the CNI's
// daemonsets, the standard services' deployments, Cluster API clusters and cluster classes, SCS
// cluster stacks), each listed once and then watched from the list's resourceVersion, as
// client-go's reflector does: bookmarks (allowWatchBookmarks) move the resourceVersion on, a
// stream the server ends (timeoutSeconds) is resumed from it, and `410 Gone` (the resourceVersion
// was compacted away: an ERROR event whose Status has code 410, or the HTTP status itself) relists
// and reports what changed in between, so nothing is missed. Only changes to what gx-gateway
// describes count: a node's heartbeat or a deployment's replica count is not a change.
import { createHash } from 'node:crypto';
import { HttpError, StreamFormatError, type HttpClient } from '../../net/http-client.js';
import { classVersion, listPaged } from './index.js';
import type { KubeContext } from './kubeconfig.js';

export type WatchState = 'stopped' | 'connecting' | 'consuming' | 'down';

/** A change to a watched object (or found by a relist), as the event trigger keeps it. */
export interface KubernetesChange {
  /** Unique per change: the object's uid (or key) at its resourceVersion. */
  id: string;
  /** `kubernetes.<kind>.<added|modified|deleted>`, kind in lower case. */
  type: string;
  /** `<Kind>/<namespace>/<name>` (or `<Kind>/<name>` for cluster-scoped objects). */
  resource: string;
}

interface Obj {
  apiVersion?: string;
  kind?: string;
  metadata?: {
    name?: string;
    namespace?: string;
    uid?: string;
    resourceVersion?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface WatchedResource {
  kind: string;
  /** The collection's path, e.g. /apis/cluster.x-k8s.io/v1beta2/clusters. */
  path: string;
}

const sorted = (r: Record<string, unknown> | undefined) =>
  r ? Object.fromEntries(Object.entries(r).sort(([a], [b]) => a.localeCompare(b))) : undefined;
const containers = (o: Obj) =>
  ((o.spec?.template as { spec?: { containers?: { image?: string }[] } } | undefined)?.spec?.containers ?? []).map(
    (c) => c.image ?? '',
  );

/**
 * Per kind, the part of an object the Kubernetes source reads (src/inventory/kubernetes/index.ts):
 * a change outside it (a heartbeat, a replica count, managedFields) changes no credential.
 */
const RELEVANT: Record<string, (o: Obj) => unknown> = {
  Node: (o) => {
    const info = { ...((o.status?.nodeInfo as Record<string, unknown> | undefined) ?? {}) };
    delete info.bootID;
    delete info.machineID;
    delete info.systemUUID;
    const ready = ((o.status?.conditions as { type?: string; status?: string }[] | undefined) ?? []).find(
      (c) => c.type === 'Ready',
    )?.status;
    return [sorted(o.metadata?.labels), sorted(info), ready === 'True'];
  },
  StorageClass: (o) => [
    o.metadata?.annotations?.['storageclass.kubernetes.io/is-default-class'],
    o.metadata?.annotations?.['storageclass.beta.kubernetes.io/is-default-class'],
    o.provisioner,
    o.reclaimPolicy,
    o.volumeBindingMode,
    o.allowVolumeExpansion,
  ],
  DaemonSet: (o) => [o.metadata?.labels?.['app.kubernetes.io/version'], containers(o)],
  Deployment: (o) => [o.metadata?.labels?.['app.kubernetes.io/version'], containers(o)],
  Cluster: (o) => {
    const t = (o.spec?.topology ?? {}) as Record<string, unknown>;
    const s = (o.status ?? {}) as {
      phase?: string;
      controlPlaneReady?: boolean;
      initialization?: Record<string, unknown>;
    };
    return [
      t.classRef,
      t.class,
      t.classNamespace,
      t.version,
      s.phase,
      s.controlPlaneReady,
      s.initialization?.controlPlaneInitialized,
    ];
  },
  ClusterClass: (o) => [classVersion(o.metadata?.name ?? ''), o.spec?.kubernetesVersions],
  ClusterStack: (o) => [sorted(o.spec), o.status?.latestRelease, o.status?.usableVersions],
};

/** A digest of what is described of an object (the same for a list item and a watch event's object). */
export function relevantDigest(kind: string, o: Obj): string {
  const part = RELEVANT[kind]?.(o) ?? [o.spec, o.status];
  return createHash('sha256')
    .update(JSON.stringify(part) ?? 'null')
    .digest('base64url')
    .slice(0, 22);
}

/** What the source reads, given API discovery (the same choice of Cluster API version as the source). */
export function watchedResources(
  groups: { name: string; versions: { version: string }[] }[] | undefined,
): WatchedResource[] {
  const out: WatchedResource[] = [
    { kind: 'Node', path: '/api/v1/nodes' },
    { kind: 'StorageClass', path: '/apis/storage.k8s.io/v1/storageclasses' },
    { kind: 'DaemonSet', path: '/apis/apps/v1/daemonsets' },
    { kind: 'Deployment', path: '/apis/apps/v1/deployments' },
  ];
  const capi = groups?.find((g) => g.name === 'cluster.x-k8s.io')?.versions.map((v) => v.version) ?? [];
  const version = ['v1beta2', 'v1beta1'].find((v) => capi.includes(v));
  if (version)
    out.push(
      { kind: 'Cluster', path: `/apis/cluster.x-k8s.io/${version}/clusters` },
      { kind: 'ClusterClass', path: `/apis/cluster.x-k8s.io/${version}/clusterclasses` },
    );
  if (groups?.some((g) => g.name === 'clusterstack.x-k8s.io'))
    out.push({ kind: 'ClusterStack', path: '/apis/clusterstack.x-k8s.io/v1alpha1/clusterstacks' });
  return out;
}

/** The resourceVersion the client must give up on: the server compacted it away (410 Gone / Expired). */
class Expired extends Error {}
/** A watch event that cannot be trusted (malformed, or an ERROR other than 410): the state is listed again. */
class Malformed extends Error {}

export interface KubernetesWatcherOptions {
  kube: KubeContext;
  /** A client with the kubeconfig's TLS (CA, client certificate, or none when insecure). */
  http: HttpClient;
  onChange(change: KubernetesChange): void;
  /** A watch event that is not one (unknown type, no object): counted, skipped. */
  onRejected?(reason: string): void;
  onState?(state: WatchState, detail?: string): void;
  log?: { info(o: object, m: string): void; warn(o: object, m: string): void };
  /** How long the server keeps one watch request open (it then ends it; the watch resumes). */
  timeoutSeconds?: number;
  /** A stream silent this long (no event, no bookmark) is given up and resumed. */
  idleSeconds?: number;
  backoffMs?: { initial: number; max: number };
  /** Longest watch event accepted (one object). */
  maxEventBytes?: number;
}

interface Resource extends WatchedResource {
  state: 'listing' | 'watching' | 'down' | 'off';
  rv: string | undefined;
  known: Map<string, string>;
  listed: boolean;
}

export class KubernetesWatcher {
  /** For operators and tests: lists made (initial and after 410), watch requests, relists after 410. */
  readonly stats = { lists: 0, watches: 0, expired: 0, errors: 0 };
  private resources: Resource[] = [];
  private abort: AbortController | undefined;
  private running: Promise<unknown> | undefined;
  private current: WatchState = 'stopped';
  private resync = false;
  private readonly headers: Record<string, string> = {};

  constructor(private readonly opts: KubernetesWatcherOptions) {
    const k = opts.kube;
    if (k.token) this.headers.authorization = `Bearer ${k.token}`;
    else if (k.basic)
      this.headers.authorization = `Basic ${Buffer.from(`${k.basic.username}:${k.basic.password}`).toString('base64')}`;
  }

  /** Per watched collection, the resourceVersion it resumes from (none while listing). */
  resourceVersions(): Record<string, string | undefined> {
    return Object.fromEntries(this.resources.map((r) => [r.path, r.rv]));
  }

  get state(): WatchState {
    return this.current;
  }

  /**
   * Start watching. `resync`: once everything is listed, report one `kubernetes.resync` change (the
   * watch takes over from another instance, and what changed while nobody watched is unknown).
   */
  start(opts: { resync?: boolean } = {}): void {
    if (this.abort) return;
    const abort = new AbortController();
    this.abort = abort;
    this.resync = Boolean(opts.resync);
    this.setState('connecting');
    this.running = this.run(abort.signal).catch((err: Error) =>
      this.opts.log?.warn({ err: err.message }, 'kubernetes watch: stopped by an error'),
    );
  }

  async stop(): Promise<void> {
    const abort = this.abort;
    this.abort = undefined;
    abort?.abort();
    await this.running;
    this.running = undefined;
    this.setState('stopped');
  }

  private setState(state: WatchState, detail?: string): void {
    if (state === this.current && !detail) return;
    this.current = state;
    this.opts.onState?.(state, detail);
  }

  private overall(): void {
    if (!this.abort) return;
    if (this.resources.some((r) => r.state === 'down')) this.setState('down');
    else if (this.resources.length && this.resources.every((r) => r.listed || r.state === 'off')) {
      if (this.resync) {
        this.resync = false;
        this.opts.onChange({
          id: `resync:${this.opts.kube.name}:${Date.now()}`,
          type: 'kubernetes.resync',
          resource: `kubernetes:${this.opts.kube.name}`,
        });
      }
      this.setState('consuming');
    }
  }

  private async run(signal: AbortSignal): Promise<void> {
    const backoff = this.opts.backoffMs ?? { initial: 500, max: 30_000 };
    // Discovery decides what is watched (which Cluster API version, whether cluster stacks exist).
    for (let attempt = 0; !signal.aborted; attempt++) {
      try {
        const groups = (
          await this.opts.http.getJson<{ groups: { name: string; versions: { version: string }[] }[] }>(
            `${this.opts.kube.server}/apis`,
            this.headers,
          )
        ).body.groups;
        this.resources = watchedResources(groups).map((r) => ({
          ...r,
          state: 'listing',
          rv: undefined,
          known: new Map(),
          listed: false,
        }));
        break;
      } catch (err) {
        this.stats.errors++;
        this.setState('down', (err as Error).message);
        this.opts.log?.warn({ err: (err as Error).message }, 'kubernetes watch: API discovery failed; trying again');
        await sleep(Math.min(backoff.max, backoff.initial * 2 ** attempt), signal);
      }
    }
    await Promise.all(this.resources.map((r) => this.watchResource(r, signal, backoff)));
  }

  private async list(r: Resource): Promise<{ items: Obj[]; resourceVersion: string }> {
    const { items, resourceVersion } = await listPaged<Obj>(
      this.opts.http,
      this.opts.kube.server,
      r.path,
      this.headers,
    );
    if (!resourceVersion) throw new Error(`${r.path}: the list carries no resourceVersion`);
    return { items, resourceVersion };
  }

  private key(o: Obj): string {
    return `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
  }

  private emit(r: Resource, o: Obj, what: 'added' | 'modified' | 'deleted', at: string): void {
    const ns = o.metadata?.namespace;
    const name = o.metadata?.name ?? '';
    this.opts.onChange({
      id: `${o.metadata?.uid ?? `${r.kind}:${this.key(o)}`}@${at}:${what}`,
      type: `kubernetes.${r.kind.toLowerCase()}.${what}`,
      resource: ns ? `${r.kind}/${ns}/${name}` : `${r.kind}/${name}`,
    });
  }

  private async relist(r: Resource): Promise<void> {
    this.stats.lists++;
    const { items, resourceVersion } = await this.list(r);
    const next = new Map<string, string>();
    const byKey = new Map<string, Obj>();
    for (const o of items) {
      next.set(this.key(o), relevantDigest(r.kind, o));
      byKey.set(this.key(o), o);
    }
    if (r.listed) {
      // What changed while the watch was broken: reported as the watch would have.
      for (const [k, digest] of next) {
        const before = r.known.get(k);
        if (before === undefined) this.emit(r, byKey.get(k)!, 'added', resourceVersion);
        else if (before !== digest) this.emit(r, byKey.get(k)!, 'modified', resourceVersion);
      }
      for (const k of r.known.keys())
        if (!next.has(k)) {
          const [namespace, name] = k.split('/') as [string, string];
          this.emit(r, { metadata: { name, ...(namespace ? { namespace } : {}) } }, 'deleted', resourceVersion);
        }
    }
    r.known = next;
    r.rv = resourceVersion;
    r.listed = true;
  }

  private onEvent(r: Resource, value: unknown): void {
    const ev = value as { type?: unknown; object?: Obj };
    if (!ev || typeof ev !== 'object' || typeof ev.type !== 'string' || !ev.object || typeof ev.object !== 'object') {
      this.opts.onRejected?.('a watch event without type or object');
      throw new Malformed('a watch event without type or object');
    }
    const o = ev.object;
    if (ev.type === 'ERROR') {
      const status = o as { code?: number; reason?: string; message?: string };
      if (status.code === 410 || status.reason === 'Expired' || status.reason === 'Gone')
        throw new Expired(String(status.message ?? 'expired'));
      throw new Malformed(
        `the watch ended with an error: ${String(status.code ?? '')} ${String(status.reason ?? '')} ${String(status.message ?? '').slice(0, 200)}`,
      );
    }
    const rv = o.metadata?.resourceVersion;
    if (ev.type === 'BOOKMARK') {
      if (typeof rv === 'string' && rv) r.rv = rv;
      return;
    }
    if (ev.type !== 'ADDED' && ev.type !== 'MODIFIED' && ev.type !== 'DELETED') {
      this.opts.onRejected?.(`an unknown watch event type ${ev.type.slice(0, 40)}`);
      return;
    }
    if (typeof o.metadata?.name !== 'string' || typeof rv !== 'string') {
      this.opts.onRejected?.('a watch event whose object has no name or resourceVersion');
      throw new Malformed('a watch event whose object has no name or resourceVersion');
    }
    const k = this.key(o);
    if (ev.type === 'DELETED') {
      if (r.known.delete(k)) this.emit(r, o, 'deleted', rv);
    } else {
      const digest = relevantDigest(r.kind, o);
      const before = r.known.get(k);
      r.known.set(k, digest);
      if (before === undefined) this.emit(r, o, 'added', rv);
      else if (before !== digest) this.emit(r, o, 'modified', rv);
    }
    r.rv = rv;
  }

  private async watchResource(
    r: Resource,
    signal: AbortSignal,
    backoff: { initial: number; max: number },
  ): Promise<void> {
    const timeout = this.opts.timeoutSeconds ?? 300;
    const idleMs = (this.opts.idleSeconds ?? timeout + 60) * 1000;
    let failures = 0;
    while (!signal.aborted) {
      try {
        if (r.rv === undefined) {
          r.state = 'listing';
          await this.relist(r);
        }
        r.state = 'watching';
        failures = 0;
        this.overall();
        this.stats.watches++;
        await this.opts.http.streamLines(
          `${this.opts.kube.server}${r.path}?watch=1&allowWatchBookmarks=true&resourceVersion=${encodeURIComponent(r.rv!)}&timeoutSeconds=${timeout}`,
          this.headers,
          {
            onLine: (value) => this.onEvent(r, value),
            maxLineBytes: this.opts.maxEventBytes ?? 16 * 1024 * 1024,
            idleMs,
            signal,
          },
        );
        // The server ended the watch (its timeout): resume from the last resourceVersion seen.
      } catch (err) {
        if (signal.aborted) return;
        if (err instanceof Expired || (err instanceof HttpError && err.status === 410)) {
          // Compacted away: list again and report what changed meanwhile.
          this.stats.expired++;
          this.opts.log?.info({ resource: r.path }, 'kubernetes watch: resourceVersion expired (410); relisting');
          r.rv = undefined;
          continue;
        }
        if (err instanceof HttpError && (err.status === 403 || err.status === 404) && !r.listed) {
          // Not there, or not ours to read (RBAC): the scheduled runs report it; nothing to watch.
          r.state = 'off';
          this.opts.log?.warn(
            { resource: r.path, status: err.status },
            'kubernetes watch: cannot list this resource; not watched (polling covers it)',
          );
          this.overall();
          return;
        }
        this.stats.errors++;
        r.state = 'down';
        this.setState('down', (err as Error).message);
        // A broken connection or a refused request resumes from the last resourceVersion (the
        // server answers 410 if it is gone); a stream whose content cannot be trusted is listed again.
        const relist = err instanceof Malformed || err instanceof StreamFormatError;
        if (relist) r.rv = undefined;
        this.opts.log?.warn(
          { resource: r.path, err: (err as Error).message },
          `kubernetes watch: lost; ${relist ? 'relisting' : 'resuming'} after a pause`,
        );
        await sleep(Math.min(backoff.max, backoff.initial * 2 ** failures++), signal);
      }
    }
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done);
  });
}
