// Event-driven runs, composed from the configuration: for each configured cloud that reads this
// configuration's sources (useSources) and whose OpenStack source names `notifications`, a consumer
// of its notification queue; one trigger that turns their events into runs of the same pipeline.
import { GatewayError } from '../core/errors.js';
import type { LoadedConfig } from '../config/schema.js';
import type { GatewayMetrics } from '../http/metrics.js';
import { amqpHost, NotificationConsumer, type ConsumerState } from '../inventory/openstack/notification-consumer.js';
import { EventTrigger } from '../pipeline/event-trigger.js';
import type { CloudRunner } from '../pipeline/runner.js';

interface NotificationsSpec {
  urlEnv: string;
  exchanges?: string[];
  queue?: string;
  durableExchanges?: boolean;
  allowPlaintext?: boolean;
}

export interface CloudEvents {
  /** Per cloud consumer, its state: `consuming` is up; anything else means the cloud is on polling alone. */
  states(): Record<string, ConsumerState>;
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
  deps: { runner: CloudRunner; metrics: GatewayMetrics; log: Log; env?: NodeJS.ProcessEnv },
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
  const { runner, metrics, log } = deps;
  const trigger = new EventTrigger({
    quietMs: config.scheduler.events.quietSeconds * 1000,
    minIntervalMs: config.scheduler.events.minIntervalSeconds * 1000,
    log,
    async run(cloudId, cause) {
      const first = Date.parse(cause.firstAt);
      const outcome = await runner.run(cloudId, 'event', { cause, actor: 'events' });
      if ('busy' in outcome) return 'busy';
      metrics.eventLag.observe({ cloud: cloudId }, (Date.now() - first) / 1000);
      return 'done';
    },
  });
  const consumers: { cloud: string; consumer: NotificationConsumer }[] = [];
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
          for (const s of ['connecting', 'consuming', 'down', 'stopped'])
            metrics.eventConsumer.set({ cloud, state: s }, s === state ? 1 : 0);
        },
      });
      consumers.push({ cloud, consumer });
    }
  return {
    states() {
      const out: Record<string, ConsumerState> = {};
      for (const { cloud, consumer } of consumers)
        if (out[cloud] === undefined || consumer.state !== 'consuming') out[cloud] = consumer.state;
      return out;
    },
    start() {
      for (const { consumer } of consumers) consumer.start();
    },
    async stop() {
      await Promise.all(consumers.map(({ consumer }) => consumer.stop()));
      await trigger.stop();
    },
  };
}
