// Event-driven runs, composed from the configuration: for each configured cloud that reads this
// configuration's sources (useSources), a consumer of its OpenStack notification queue (a source
// that names `notifications`) and a watcher of its Kubernetes API (a source with `watch: true`);
// one trigger that turns their events into runs of the same pipeline.
import { isAbsolute, resolve } from 'node:path';
import { GatewayError } from '../core/errors.js';
import type { LoadedConfig } from '../config/schema.js';
import type { GatewayMetrics } from '../http/metrics.js';
import { resolveKubeContext } from '../inventory/kubernetes/kubeconfig.js';
import { KubernetesWatcher } from '../inventory/kubernetes/watch.js';
import { NETBOX_DESCRIBED, parseDelivery, signatureHolds, type HookOutcome } from '../inventory/netbox/webhook.js';
import { amqpHost, NotificationConsumer, type ConsumerState } from '../inventory/openstack/notification-consumer.js';
import { parseNotification, type Notification } from '../inventory/openstack/notifications.js';
import { guardedLookup } from '../net/guard.js';
import { defaultHttpOptions, HttpClient, type OutboundGuard } from '../net/http-client.js';
import type { SourcesSpec } from '../pipeline/introspect.js';
import { confineBroker, confineSources, guardOf, type SourcePolicy } from '../pipeline/source-policy.js';
import { EventTrigger } from '../pipeline/event-trigger.js';
import { deadLocalHolder, type CloudRunner } from '../pipeline/runner.js';
import type { Store } from '../store/store.js';

interface NotificationsSpec {
  urlEnv: string;
  exchanges?: string[];
  queue?: string;
  durableExchanges?: boolean;
  allowPlaintext?: boolean;
}

/** A consumer's state, or `standby`: another instance holds the cloud's event lease and consumes. */
export type EventSourceState = ConsumerState | 'standby';

/** A source of a cloud's events that one instance at a time runs (under a lease). */
interface LeasedSource {
  readonly state: ConsumerState;
  /** `takeover`: another instance consumed until now (a watch then runs the cloud once it is listed). */
  start(opts?: { takeover?: boolean }): void;
  stop(): Promise<void>;
}

export interface CloudEvents {
  /** Per cloud, its consumer's state: `consuming` or `standby` is up; otherwise the cloud is on polling alone. */
  states(): Record<string, EventSourceState>;
  start(): void;
  stop(): Promise<void>;
  /**
   * A NetBox webhook delivery for `cloud` (its raw body and X-Hook-Signature): checked (signed with
   * the shared secret, fresh, not seen before) before anything in it is trusted; a change to what is
   * described starts a run. Absent when no NetBox webhook is configured.
   */
  netboxHook?(cloud: string, body: Buffer, signature: string | undefined): Promise<HookOutcome>;
}

type Log = { info(o: object, m: string): void; warn(o: object, m: string): void; error(o: object, m: string): void };

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** The AMQP URL in `spec.urlEnv`, checked: a configuration error names the variable, never the value. */
function brokerUrl(spec: NotificationsSpec, where: string, env: NodeJS.ProcessEnv): string {
  const value = env[spec.urlEnv];
  if (!value)
    throw new GatewayError(`${where}.urlEnv: the variable ${spec.urlEnv} is not set (the AMQP URL)`, 'bad-config');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new GatewayError(`${where}.urlEnv: ${spec.urlEnv} does not hold a URL`, 'bad-config');
  }
  if (url.protocol !== 'amqps:' && url.protocol !== 'amqp:')
    throw new GatewayError(`${where}.urlEnv: ${spec.urlEnv} must hold an amqps:// or amqp:// URL`, 'bad-config');
  if (url.protocol === 'amqp:' && !LOOPBACK.has(url.hostname) && !spec.allowPlaintext)
    throw new GatewayError(
      `${where}.urlEnv: ${amqpHost(value)} is amqp:// (no TLS) to another host: use amqps://, or set ${where}.allowPlaintext`,
      'bad-config',
    );
  return value;
}

export function cloudEvents(
  loaded: LoadedConfig,
  deps: {
    runner: CloudRunner;
    store: Store;
    metrics: GatewayMetrics;
    log: Log;
    /** How long an instance holds a cloud's event lease without renewing it. */
    leaseMs: number;
    env?: NodeJS.ProcessEnv;
    /**
     * In-process notification channels (the demo cloud's OpenStack): each message is read as one
     * from RabbitMQ would be; no broker, no lease (the channel is this process's own).
     */
    /** The clouds added over the API, their sources and what they may name (api.cloudSources; read only when a cloud's event sources change). */
    apiClouds?: () => Promise<{ id: string; spec: SourcesSpec; policy: () => SourcePolicy }[]>;
    channels?: {
      cloud: string;
      subscribe(listener: (m: { exchange: string; body: Buffer }) => void): () => void;
    }[];
  },
): CloudEvents | undefined {
  const { config } = loaded;
  const env = deps.env ?? process.env;
  const specs = (config.sources?.openstack ?? []).flatMap((o, i) =>
    (o as { notifications?: NotificationsSpec }).notifications
      ? [
          {
            spec: (o as { notifications: NotificationsSpec }).notifications,
            where: `sources.openstack[${i}].notifications`,
          },
        ]
      : [],
  );
  const watches = (config.sources?.kubernetes ?? []).flatMap((k, i) => {
    const spec = k as { kubeconfig: string; context?: string; watch?: boolean; watchTimeoutSeconds?: number };
    return spec.watch ? [{ spec, where: `sources.kubernetes[${i}]` }] : [];
  });
  const clouds = (config.clouds ?? []).filter((c) => c.useSources && !c.demo).map((c) => c.id);
  const hookSpec = (config.sources?.netbox as { webhook?: { secretEnv: string; maxAgeSeconds?: number } } | undefined)
    ?.webhook;
  const channels = deps.channels ?? [];
  const hasDemoBroker = Boolean(
    (config.demo as { notifications?: unknown } | undefined)?.notifications &&
    (config.clouds ?? []).some((c) => c.demo),
  );
  // An API-added cloud can name notifications only with a secret offered, a watch only with a folder.
  const apiCapable = Boolean(
    deps.apiClouds && (config.api.cloudSources.secrets?.length || config.api.cloudSources.dir),
  );
  if (
    ((!specs.length && !watches.length && !hookSpec) || !clouds.length) &&
    !channels.length &&
    !hasDemoBroker &&
    !apiCapable
  )
    return undefined;
  let hookSecret: string | undefined;
  if (hookSpec) {
    hookSecret = env[hookSpec.secretEnv];
    if (!hookSecret)
      throw new GatewayError(
        `sources.netbox.webhook.secretEnv: the variable ${hookSpec.secretEnv} is not set (the webhook's secret in NetBox)`,
        'bad-config',
      );
    if (hookSecret.length < 16)
      throw new GatewayError(
        `sources.netbox.webhook.secretEnv: ${hookSpec.secretEnv} holds fewer than 16 characters: use a long random secret (NetBox takes up to 255)`,
        'bad-config',
      );
  }
  const { runner, store, metrics, log, leaseMs } = deps;
  const trigger = new EventTrigger({
    quietMs: config.scheduler.events.quietSeconds * 1000,
    minIntervalMs: config.scheduler.events.minIntervalSeconds * 1000,
    maxDelayMs: config.scheduler.events.maxDelaySeconds * 1000,
    log,
    async run(cloudId, cause) {
      const first = Date.parse(cause.firstAt);
      const outcome = await runner.run(cloudId, 'event', { cause, actor: 'events' });
      if ('busy' in outcome) return 'busy';
      metrics.eventLag.observe({ cloud: cloudId }, (Date.now() - first) / 1000);
      return 'done';
    },
  });
  /** A notification of a cloud (from its queue or an in-process channel): counted; a change runs the cloud. */
  const notified = (cloud: string, n: Notification) => {
    metrics.events.inc({ cloud, type: n.eventType });
    if (n.effect)
      trigger.notify(cloud, {
        id: n.messageId,
        type: n.eventType,
        ...(n.resourceId ? { resource: n.resourceId } : {}),
      });
  };
  const consumers: {
    cloud: string;
    lease: string;
    consumer: LeasedSource;
    held: boolean;
    stoodBy?: boolean;
    /** Release what it holds for good (its HTTP client). */
    close?: () => Promise<void>;
  }[] = [];
  // The demo cloud's OpenStack, when it notifies through a broker (demo.notifications): Glance's.
  const demoSpec = (config.demo as { notifications?: { urlEnv: string; queue?: string } } | undefined)?.notifications;
  const demoClouds = demoSpec ? (config.clouds ?? []).filter((c) => c.demo).map((c) => c.id) : [];
  const pairs = [
    ...clouds.flatMap((cloud) => specs.map(({ spec, where }) => ({ cloud, spec, where }))),
    ...demoClouds.map((cloud) => ({
      cloud,
      spec: { ...demoSpec!, exchanges: ['glance'] } as NotificationsSpec,
      where: 'demo.notifications',
    })),
  ];
  type Entry = (typeof consumers)[number];
  /** A consumer of a cloud's notification queue (url checked by the caller). */
  const notificationEntry = (
    cloud: string,
    spec: NotificationsSpec,
    url: string,
    socketOptions?: Record<string, unknown>,
  ): Entry => {
    const queue = spec.queue ?? `gx-gateway.${cloud}`;
    const consumer = new NotificationConsumer({
      url,
      queue,
      ...(spec.exchanges ? { exchanges: spec.exchanges } : {}),
      ...(spec.durableExchanges ? { durableExchanges: true } : {}),
      ...(socketOptions ? { socketOptions } : {}),
      log,
      async onNotification(n) {
        notified(cloud, n);
      },
      onRejected: () => metrics.eventsRejected.inc({ cloud }),
      onState(state) {
        setState(cloud, state);
      },
    });
    return { cloud, lease: `events:${cloud}:${queue}`, consumer, held: false };
  };
  /** A watch of a cloud's Kubernetes API (the kubeconfig's path already resolved). */
  const watchEntry = (
    cloud: string,
    spec: { kubeconfig: string; context?: string; watchTimeoutSeconds?: number },
    where: string,
    guard?: OutboundGuard,
  ): Entry => {
    let kube;
    try {
      kube = resolveKubeContext({ path: spec.kubeconfig, ...(spec.context ? { context: spec.context } : {}), env });
    } catch (err) {
      throw new GatewayError(`${where}.watch: ${(err as Error).message}`, 'bad-config');
    }
    const http = new HttpClient({
      ...defaultHttpOptions,
      retries: 0,
      ...(guard ? { guard } : {}),
      tls: {
        ...(kube.ca ? { ca: kube.ca } : {}),
        ...(kube.clientCert ? { cert: kube.clientCert } : {}),
        ...(kube.clientKey ? { key: kube.clientKey } : {}),
        insecure: kube.insecure,
      },
    });
    const watcher = new KubernetesWatcher({
      kube,
      http,
      timeoutSeconds: spec.watchTimeoutSeconds ?? 300,
      log,
      onChange(change) {
        metrics.events.inc({ cloud, type: change.type });
        trigger.notify(cloud, change);
      },
      onRejected: () => metrics.eventsRejected.inc({ cloud }),
      onState(state) {
        setState(cloud, state);
      },
    });
    return {
      cloud,
      lease: `events:${cloud}:kubernetes:${kube.name}`,
      consumer: {
        get state() {
          return watcher.state;
        },
        start: (opts) => watcher.start({ resync: Boolean(opts?.takeover) }),
        stop: async () => {
          await watcher.stop();
        },
      },
      held: false,
      close: () => http.close(),
    };
  };
  for (const { cloud, spec, where } of pairs)
    consumers.push(notificationEntry(cloud, spec, brokerUrl(spec, where, env)));
  for (const cloud of clouds)
    for (const { spec, where } of watches)
      consumers.push(
        watchEntry(
          cloud,
          {
            ...spec,
            kubeconfig: isAbsolute(spec.kubeconfig) ? spec.kubeconfig : resolve(loaded.baseDir, spec.kubeconfig),
          },
          where,
        ),
      );
  // Clouds added over the API: their event sources follow the store (added, changed, removed),
  // confined as their runs are (api.cloudSources: offered secrets, files in its folder, networks).
  const dynamic = new Map<string, { sig: string; entries: Entry[] }>();
  const drop = async (entries: Entry[]) => {
    for (const e of entries) {
      const at = consumers.indexOf(e);
      if (at >= 0) consumers.splice(at, 1);
      await e.consumer.stop().catch(() => undefined);
      await e.close?.().catch(() => undefined);
      if (e.held) await store.leases.release(e.lease, runner.holder).catch(() => undefined);
    }
  };
  const reconcile = async () => {
    if (!deps.apiClouds) return;
    const listed = await deps.apiClouds();
    const seen = new Set<string>();
    for (const c of listed) {
      seen.add(c.id);
      const sig = JSON.stringify([
        (c.spec.openstack ?? []).map((o) => o.notifications ?? null),
        (c.spec.kubernetes ?? []).map((k) => (k.watch ? [k.kubeconfig, k.context, k.watchTimeoutSeconds] : null)),
      ]);
      const current = dynamic.get(c.id);
      if (current?.sig === sig) continue;
      if (current) await drop(current.entries);
      const entries: Entry[] = [];
      try {
        const policy = c.policy();
        const guard = guardOf(policy);
        const confined = confineSources(c.spec, policy);
        for (const [i, o] of (confined.openstack ?? []).entries()) {
          if (!o.notifications) continue;
          const where = `clouds ${c.id}: sources.openstack[${i}].notifications.urlEnv`;
          const url = confineBroker(env[o.notifications.urlEnv], policy, where);
          entries.push(
            notificationEntry(c.id, { ...o.notifications, queue: `gx-gateway.${c.id}` }, url, {
              lookup: guardedLookup(guard.networks, guard.hint),
            }),
          );
        }
        for (const [i, k] of (confined.kubernetes ?? []).entries())
          if (k.watch) entries.push(watchEntry(c.id, k, `clouds ${c.id}: sources.kubernetes[${i}]`));
      } catch (err) {
        await drop(entries);
        entries.length = 0;
        log.warn({ cloud: c.id, err: (err as Error).message }, 'events: this cloud stays on polling');
      }
      dynamic.set(c.id, { sig, entries });
      consumers.push(...entries);
    }
    for (const [id, current] of dynamic)
      if (!seen.has(id)) {
        await drop(current.entries);
        dynamic.delete(id);
      }
  };
  /** A cloud's state over its sources: `consuming` or `standby` only if every source is. */
  const stateOf = (cloud: string): EventSourceState => {
    let out: EventSourceState | undefined;
    for (const c of consumers) {
      if (c.cloud !== cloud) continue;
      const state: EventSourceState = c.held ? c.consumer.state : 'standby';
      if (out === undefined || (state !== 'consuming' && state !== 'standby')) out = state;
    }
    return out ?? 'stopped';
  };
  const setState = (cloud: string, _changed?: EventSourceState) => {
    const state = stateOf(cloud);
    for (const s of ['connecting', 'consuming', 'down', 'stopped', 'standby'])
      metrics.eventConsumer.set({ cloud, state: s }, s === state ? 1 : 0);
  };
  // One instance consumes a cloud's queue (a lease in the database, as for runs); the others stand
  // by and take over when it stops renewing (or, on this host, as soon as its process is gone).
  // Messages it had not acknowledged go back to the queue when its connection drops.
  const holder = runner.holder;
  let leaseTimer: NodeJS.Timeout | undefined;
  let stopping = false;
  const tend = async () => {
    try {
      await reconcile();
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'events: the clouds added over the API could not be read');
    }
    for (const c of [...consumers]) {
      if (stopping) return;
      try {
        if (c.held) {
          if (await store.leases.renew(c.lease, holder, leaseMs)) continue;
          c.held = false;
          c.stoodBy = true;
          log.warn({ cloud: c.cloud }, 'events: the lease was lost; standing by');
          await c.consumer.stop();
          setState(c.cloud, 'standby');
          continue;
        }
        let got = await store.leases.acquire(c.lease, holder, leaseMs);
        if (!got) {
          const current = await store.leases.holder(c.lease);
          if (current && deadLocalHolder(current.holder)) {
            await store.leases.release(c.lease, current.holder);
            got = await store.leases.acquire(c.lease, holder, leaseMs);
          }
        }
        if (got && !stopping) {
          c.held = true;
          c.consumer.start({ takeover: Boolean(c.stoodBy) });
        } else if (!got) {
          c.stoodBy = true;
          if (c.consumer.state === 'stopped') setState(c.cloud, 'standby');
        }
      } catch (err) {
        log.warn({ cloud: c.cloud, err: (err as Error).message }, 'events: the lease could not be checked');
      }
    }
  };
  const schedule = () => {
    leaseTimer = setTimeout(
      () => void tend().finally(() => !stopping && schedule()),
      Math.max(100, Math.floor(leaseMs / 3)),
    );
    leaseTimer.unref();
  };
  const unsubscribe: (() => void)[] = [];
  const listen = () => {
    for (const { cloud, subscribe } of channels)
      unsubscribe.push(
        subscribe(({ exchange, body }) => {
          const parsed = parseNotification(body, exchange);
          if (!parsed.ok) {
            metrics.eventsRejected.inc({ cloud });
            return;
          }
          notified(cloud, parsed.notification);
        }),
      );
  };
  const maxAgeMs = (hookSpec?.maxAgeSeconds ?? 300) * 1000;
  const netboxHook = async (cloud: string, body: Buffer, signature: string | undefined): Promise<HookOutcome> => {
    const outcome = await checkHook(cloud, body, signature);
    metrics.hooks.inc({ cloud: clouds.includes(cloud) ? cloud : '(unknown)', outcome: outcome.outcome });
    if (outcome.outcome === 'accepted') {
      metrics.events.inc({ cloud, type: outcome.type });
      log.info({ cloud, type: outcome.type, run: outcome.run }, 'netbox webhook accepted');
    } else
      log.warn(
        { cloud: clouds.includes(cloud) ? cloud : '(unknown)', outcome: outcome.outcome },
        'netbox webhook refused',
      );
    return outcome;
  };
  const checkHook = async (cloud: string, body: Buffer, signature: string | undefined): Promise<HookOutcome> => {
    if (!clouds.includes(cloud))
      return { outcome: 'unknown-cloud', detail: 'no configured cloud of that id reads the NetBox source' };
    if (!signature)
      return {
        outcome: 'unsigned',
        detail: 'X-Hook-Signature is missing: give the webhook in NetBox the shared secret',
      };
    if (!signatureHolds(body, signature, hookSecret!))
      return { outcome: 'forged', detail: 'X-Hook-Signature does not match the body under the shared secret' };
    const d = parseDelivery(body);
    if ('reason' in d) return { outcome: 'malformed', detail: d.reason };
    const now = Date.now();
    if (d.timestamp.getTime() < now - maxAgeMs || d.timestamp.getTime() > now + 60_000)
      return {
        outcome: 'stale',
        detail: `the delivery's timestamp is more than ${maxAgeMs / 1000} s old (or in the future): a replay, or clocks apart`,
      };
    if (!(await store.hooks.accept(d.digest, cloud, new Date(now), new Date(now - maxAgeMs - 60_000))))
      return { outcome: 'replayed', detail: 'this delivery was accepted before' };
    const type = `netbox.${d.objectType}.${d.event}`;
    const resource = d.objectId ? `${d.objectType}/${d.objectId}` : undefined;
    const run = NETBOX_DESCRIBED.has(d.objectType);
    if (run) trigger.notify(cloud, { id: `netbox:${d.digest}`, type, ...(resource ? { resource } : {}) });
    return { outcome: 'accepted', type, ...(resource ? { resource } : {}), run };
  };
  return {
    ...(hookSpec ? { netboxHook } : {}),
    states() {
      return Object.fromEntries([...new Set(consumers.map((c) => c.cloud))].map((cloud) => [cloud, stateOf(cloud)]));
    },
    start() {
      listen();
      void tend().finally(() => !stopping && schedule());
    },
    async stop() {
      stopping = true;
      for (const u of unsubscribe.splice(0)) u();
      clearTimeout(leaseTimer);
      await Promise.all(consumers.map(({ consumer }) => consumer.stop()));
      await Promise.all(
        consumers.filter((c) => c.held).map((c) => store.leases.release(c.lease, holder).catch(() => undefined)),
      );
      await trigger.stop();
      await Promise.all(consumers.map((c) => c.close?.().catch(() => undefined)));
    },
  };
}
