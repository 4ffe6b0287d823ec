// Event-driven runs, composed from the configuration: for each configured cloud that reads this
// configuration's sources (useSources) and whose OpenStack source names `notifications`, a consumer
// of its notification queue; one trigger that turns their events into runs of the same pipeline.
import { GatewayError } from '../core/errors.js';
import type { LoadedConfig } from '../config/schema.js';
import type { GatewayMetrics } from '../http/metrics.js';
import { amqpHost, NotificationConsumer, type ConsumerState } from '../inventory/openstack/notification-consumer.js';
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

export interface CloudEvents {
  /** Per cloud, its consumer's state: `consuming` or `standby` is up; otherwise the cloud is on polling alone. */
  states(): Record<string, EventSourceState>;
  start(): void;
  stop(): Promise<void>;
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
  const clouds = (config.clouds ?? []).filter((c) => c.useSources && !c.demo).map((c) => c.id);
  if (!specs.length || !clouds.length) return undefined;
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
  const consumers: { cloud: string; lease: string; consumer: NotificationConsumer; held: boolean }[] = [];
  for (const cloud of clouds)
    for (const { spec, where } of specs) {
      const url = brokerUrl(spec, where, env);
      const consumer = new NotificationConsumer({
        url,
        queue: spec.queue ?? `gx-gateway.${cloud}`,
        ...(spec.exchanges ? { exchanges: spec.exchanges } : {}),
        ...(spec.durableExchanges ? { durableExchanges: true } : {}),
        log,
        async onNotification(n) {
          metrics.events.inc({ cloud, type: n.eventType });
          if (n.effect)
            trigger.notify(cloud, {
              id: n.messageId,
              type: n.eventType,
              ...(n.resourceId ? { resource: n.resourceId } : {}),
            });
        },
        onRejected: () => metrics.eventsRejected.inc({ cloud }),
        onState(state) {
          setState(cloud, state);
        },
      });
      consumers.push({ cloud, lease: `events:${cloud}:${spec.queue ?? `gx-gateway.${cloud}`}`, consumer, held: false });
    }
  const setState = (cloud: string, state: EventSourceState) => {
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
    for (const c of consumers) {
      if (stopping) return;
      try {
        if (c.held) {
          if (await store.leases.renew(c.lease, holder, leaseMs)) continue;
          c.held = false;
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
          c.consumer.start();
        } else if (c.consumer.state === 'stopped') setState(c.cloud, 'standby');
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
  return {
    states() {
      const out: Record<string, EventSourceState> = {};
      for (const { cloud, consumer, held } of consumers) {
        const state: EventSourceState = held ? consumer.state : 'standby';
        if (out[cloud] === undefined || (state !== 'consuming' && state !== 'standby')) out[cloud] = state;
      }
      return out;
    },
    start() {
      void tend().finally(() => !stopping && schedule());
    },
    async stop() {
      stopping = true;
      clearTimeout(leaseTimer);
      await Promise.all(consumers.map(({ consumer }) => consumer.stop()));
      await Promise.all(
        consumers.filter((c) => c.held).map((c) => store.leases.release(c.lease, holder).catch(() => undefined)),
      );
      await trigger.stop();
    },
  };
}
