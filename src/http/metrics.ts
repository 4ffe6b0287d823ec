import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The gateway's Prometheus metrics, in a registry of its own (one per running gateway). */
export interface GatewayMetrics {
  registry: Registry;
  runs: Counter<'outcome'>;
  credentials: Gauge<'state'>;
  http: Histogram<'method' | 'route' | 'status'>;
  outbox: Gauge<'target' | 'state'>;
  deliveries: Counter<'target' | 'outcome'>;
  /** Cloud events (OpenStack notifications) received, by type; those that were not events. */
  events: Counter<'cloud' | 'type'>;
  eventsRejected: Counter<'cloud'>;
  /** From a cloud's first event of a run to the run's end. */
  eventLag: Histogram<'cloud'>;
  runsByTrigger: Counter<'trigger'>;
  /** 1 for each cloud's event consumer's current state (connecting, consuming, down, stopped). */
  eventConsumer: Gauge<'cloud' | 'state'>;
  hooks: Counter<'cloud' | 'outcome'>;
}

export interface OutboxStats {
  target: string;
  pending: number;
  dead: number;
}

/** A cloud profile's current compliance credential: when it ends. */
export interface ComplianceExpiry {
  cloud: string;
  profile: string;
  validUntil: string;
}

export function createMetrics(
  countByState?: () => Promise<Record<string, number>>,
  outboxStats?: () => Promise<OutboxStats[]>,
  complianceExpiry?: () => Promise<ComplianceExpiry[]>,
  notaryExpiry?: () => Promise<(ComplianceExpiry & { credential: string })[]>,
): GatewayMetrics {
  const registry = new Registry();
  const runs = new Counter({
    name: 'gxg_runs_total',
    help: 'Pipeline runs by outcome (succeeded, partial, failed, abandoned).',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  const credentials = new Gauge({
    name: 'gxg_credentials',
    help: 'Credentials in the store by state.',
    labelNames: ['state'] as const,
    registers: [registry],
    async collect() {
      if (!countByState) return;
      const counts = await countByState();
      for (const state of ['draft', 'rejected', 'obsolete', 'published', 'superseded', 'revoked'])
        this.set({ state }, counts[state] ?? 0);
    },
  });
  const http = new Histogram({
    name: 'gxg_http_request_duration_seconds',
    help: 'HTTP request latency by route and status.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers: [registry],
  });
  const outbox = new Gauge({
    name: 'gxg_outbox_items',
    help: 'Outbox items per target: pending (the backlog) and dead letters.',
    labelNames: ['target', 'state'] as const,
    registers: [registry],
    async collect() {
      if (!outboxStats) return;
      for (const t of await outboxStats()) {
        this.set({ target: t.target, state: 'pending' }, t.pending);
        this.set({ target: t.target, state: 'dead' }, t.dead);
      }
    },
  });
  const deliveries = new Counter({
    name: 'gxg_outbox_deliveries_total',
    help: 'Delivery attempts per target by outcome (delivered, retry, dead).',
    labelNames: ['target', 'outcome'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'gxg_compliance_valid_until_seconds',
    help: "When each cloud profile's current compliance credential expires (Unix time): alert well before it.",
    labelNames: ['cloud', 'profile'] as const,
    registers: [registry],
    async collect() {
      if (!complianceExpiry) return;
      this.reset();
      for (const c of await complianceExpiry())
        this.set({ cloud: c.cloud, profile: c.profile }, Math.floor(Date.parse(c.validUntil) / 1000));
    },
  });
  new Gauge({
    name: 'gxg_notary_valid_until_seconds',
    help: 'When each published notary credential (registration number) expires (Unix time); runs renew it before.',
    labelNames: ['cloud', 'profile', 'credential'] as const,
    registers: [registry],
    async collect() {
      if (!notaryExpiry) return;
      this.reset();
      for (const c of await notaryExpiry())
        this.set(
          { cloud: c.cloud, profile: c.profile, credential: c.credential },
          Math.floor(Date.parse(c.validUntil) / 1000),
        );
    },
  });
  const events = new Counter({
    name: 'gxg_events_total',
    help: 'Cloud events received (OpenStack notifications, Kubernetes watch changes, NetBox webhooks) by cloud and event type; notifications count whether or not they change what is described.',
    labelNames: ['cloud', 'type'] as const,
    registers: [registry],
  });
  const eventsRejected = new Counter({
    name: 'gxg_events_rejected_total',
    help: 'Messages on a cloud’s event queue that were not notifications (malformed or oversized): acknowledged and dropped.',
    labelNames: ['cloud'] as const,
    registers: [registry],
  });
  const eventLag = new Histogram({
    name: 'gxg_event_run_lag_seconds',
    help: 'From the first event an event run handles to the end of that run.',
    labelNames: ['cloud'] as const,
    buckets: [0.5, 1, 2, 3, 5, 7.5, 10, 15, 30, 60, 120],
    registers: [registry],
  });
  const runsByTrigger = new Counter({
    name: 'gxg_runs_by_trigger_total',
    help: 'Pipeline runs by trigger (schedule, event, api, …).',
    labelNames: ['trigger'] as const,
    registers: [registry],
  });
  const eventConsumer = new Gauge({
    name: 'gxg_event_consumer',
    help: 'Each cloud’s event sources (notification consumers, Kubernetes watches) together: 1 for the current state (connecting, consuming, down, stopped, standby).',
    labelNames: ['cloud', 'state'] as const,
    registers: [registry],
  });
  const hooks = new Counter({
    name: 'gxg_hooks_total',
    help: 'Webhook deliveries (NetBox) by cloud and outcome: accepted, unsigned, forged, malformed, stale, replayed, oversized, unknown-cloud.',
    labelNames: ['cloud', 'outcome'] as const,
    registers: [registry],
  });
  return {
    registry,
    hooks,
    runs,
    credentials,
    http,
    outbox,
    deliveries,
    events,
    eventsRejected,
    eventLag,
    runsByTrigger,
    eventConsumer,
  };
}
