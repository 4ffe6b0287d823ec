// A cloud's OpenStack notifications, consumed from RabbitMQ (amqplib): its own durable queue bound
// to the services' exchanges, each message acknowledged once handled (or once found malformed),
// the connection re-made with back-off when it is lost. The AMQP URL carries credentials: it is
// never logged, and errors name only the host.
import amqp from 'amqplib';
import type { Channel, ChannelModel, ConsumeMessage } from 'amqplib';
import { describeError } from '../../core/errors.js';
import { NOTIFICATION_EXCHANGES, NOTIFICATION_TOPICS, parseNotification, type Notification } from './notifications.js';

export type ConsumerState = 'stopped' | 'connecting' | 'consuming' | 'down';

export interface NotificationConsumerOptions {
  /** The AMQP URL (amqp:// or amqps://, credentials included). */
  url: string;
  /** The queue of this consumer (durable: what arrives while the gateway is away waits). */
  queue: string;
  exchanges?: readonly string[];
  /**
   * Whether the services declare their exchanges durable (oslo.messaging's
   * [oslo_messaging_rabbit] amqp_durable_queues, false by default): an exchange not there yet is
   * declared the same way, so the services' own declaration still succeeds.
   */
  durableExchanges?: boolean;
  /** Handle one notification; the message is acknowledged when this resolves, requeued if it throws. */
  onNotification(n: Notification): Promise<void>;
  /** A message that is not a notification (acknowledged and dropped). */
  onRejected?(reason: string, exchange: string): void;
  onState?(state: ConsumerState, detail?: string): void;
  log?: { info(o: object, m: string): void; warn(o: object, m: string): void };
  /** Socket options of the connection (the outbound guard's `lookup` for a URL an API caller named). */
  socketOptions?: Record<string, unknown>;
  /** First and longest wait before connecting again. */
  backoffMs?: { initial: number; max: number };
}

/** Where a URL points, without its credentials (what logs and errors may say). */
export function amqpHost(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return '(an unparsable AMQP URL)';
  }
}

export class NotificationConsumer {
  private model: ChannelModel | undefined;
  private channel: Channel | undefined;
  private stopped = true;
  private retry: NodeJS.Timeout | undefined;
  private attempts = 0;
  private current: ConsumerState = 'stopped';

  constructor(private readonly opts: NotificationConsumerOptions) {}

  get state(): ConsumerState {
    return this.current;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    void this.connect();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.retry);
    const model = this.model;
    this.model = undefined;
    this.channel = undefined;
    await model?.close().catch(() => undefined);
    this.setState('stopped');
  }

  private setState(state: ConsumerState, detail?: string): void {
    if (state === this.current && !detail) return;
    this.current = state;
    this.opts.onState?.(state, detail);
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    this.setState('connecting');
    const host = amqpHost(this.opts.url);
    try {
      const model = await amqp.connect(this.opts.url, this.opts.socketOptions);
      if (this.stopped) {
        await model.close().catch(() => undefined);
        return;
      }
      this.model = model;
      model.on('error', () => undefined);
      model.on('close', () => {
        if (this.model !== model) return;
        this.model = undefined;
        this.channel = undefined;
        this.lost(`the connection to ${host} closed`);
      });
      const channel = await this.setUp(model);
      this.channel = channel;
      this.attempts = 0;
      this.setState('consuming');
      this.opts.log?.info({ broker: host, queue: this.opts.queue }, 'notifications: consuming');
    } catch (err) {
      // The URL is never part of a message: amqplib's errors can quote it.
      const reason = describeError(err).split(this.opts.url).join(host);
      await this.model?.close().catch(() => undefined);
      this.model = undefined;
      this.lost(`${host}: ${reason}`);
    }
  }

  private lost(reason: string): void {
    if (this.stopped) return;
    this.setState('down', reason);
    const { initial, max } = this.opts.backoffMs ?? { initial: 500, max: 30_000 };
    const wait = Math.min(max, initial * 2 ** Math.min(this.attempts++, 16));
    this.opts.log?.warn({ reason, retryMs: wait }, 'notifications: broker unavailable, falling back to polling');
    clearTimeout(this.retry);
    this.retry = setTimeout(() => void this.connect(), wait);
    this.retry.unref();
  }

  /** The queue, its bindings to each exchange's notification topics, and the consumer. */
  private async setUp(model: ChannelModel): Promise<Channel> {
    const exchanges = this.opts.exchanges ?? NOTIFICATION_EXCHANGES;
    for (const exchange of exchanges) {
      // oslo.messaging declares its exchanges when it first sends (a topic exchange, durable as
      // amqp_durable_queues says): one already there is used as it is; one not there yet is
      // declared the way oslo would, so nothing sent before the service's first message is lost.
      const probe = await model.createChannel();
      probe.on('error', () => undefined);
      const exists = await probe.checkExchange(exchange).then(
        () => true,
        () => false,
      );
      if (exists) await probe.close().catch(() => undefined);
      else {
        const declare = await model.createChannel();
        await declare.assertExchange(exchange, 'topic', {
          durable: this.opts.durableExchanges ?? false,
          autoDelete: false,
        });
        await declare.close();
      }
    }
    const channel = await model.createChannel();
    channel.on('error', () => undefined);
    await channel.assertQueue(this.opts.queue, { durable: true });
    for (const exchange of exchanges)
      for (const topic of NOTIFICATION_TOPICS) await channel.bindQueue(this.opts.queue, exchange, topic);
    await channel.prefetch(64);
    await channel.consume(this.opts.queue, (msg) => {
      if (msg) void this.handle(channel, msg);
    });
    return channel;
  }

  private async handle(channel: Channel, msg: ConsumeMessage): Promise<void> {
    const exchange = msg.fields.exchange;
    const parsed = parseNotification(msg.content, exchange);
    if (!parsed.ok) {
      this.opts.onRejected?.(parsed.reason, exchange);
      this.opts.log?.warn({ exchange, reason: parsed.reason }, 'notifications: a message that is not one, dropped');
      ackSafely(channel, msg);
      return;
    }
    try {
      await this.opts.onNotification(parsed.notification);
      ackSafely(channel, msg);
    } catch (err) {
      this.opts.log?.warn({ err: describeError(err), event: parsed.notification.eventType }, 'notifications: requeued');
      try {
        channel.nack(msg, false, true);
      } catch {
        // The channel is gone: the broker redelivers what was not acknowledged.
      }
    }
  }
}

function ackSafely(channel: Channel, msg: ConsumeMessage): void {
  try {
    channel.ack(msg);
  } catch {
    // The channel closed meanwhile: the message comes again, and is handled again (idempotent).
  }
}
