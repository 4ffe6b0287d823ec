// The demo OpenStack's notifier when a broker is configured (demo.notifications): what its
// in-process channel carries, published to RabbitMQ as oslo.messaging's messagingv2 driver does —
// topic exchange of the service (not durable, oslo's default), routing key notifications.info,
// content type application/json. A message that cannot be sent is dropped with a warning (a
// notifier never holds up the API call that caused it).
import amqp from 'amqplib';
import type { Channel, ChannelModel } from 'amqplib';
import type { EventEmitter } from 'node:events';
import type { OsloMessage } from './openstack.js';

export interface OsloPublisher {
  close(): Promise<void>;
}

export async function publishToBroker(
  notifications: EventEmitter<{ notification: [OsloMessage] }>,
  url: string,
  log: { warn(o: object, m: string): void },
): Promise<OsloPublisher> {
  let model: ChannelModel | undefined;
  let channel: Channel | undefined;
  const declared = new Set<string>();
  let connecting: Promise<Channel | undefined> | undefined;
  const ready = () =>
    (connecting ??= (async () => {
      try {
        model = await amqp.connect(url);
        model.on('error', () => undefined);
        model.on('close', () => {
          channel = undefined;
          connecting = undefined;
          declared.clear();
        });
        channel = await model.createChannel();
        return channel;
      } catch (err) {
        connecting = undefined;
        log.warn({ err: (err as Error).message.replace(/\/\/[^@]*@/, '//') }, 'demo notifier: no broker');
        return undefined;
      }
    })());
  const listener = (m: OsloMessage) => {
    void (async () => {
      const ch = channel ?? (await ready());
      if (!ch) return;
      if (!declared.has(m.exchange)) {
        await ch.assertExchange(m.exchange, 'topic', { durable: false });
        declared.add(m.exchange);
      }
      ch.publish(m.exchange, m.routingKey, m.body, { contentType: 'application/json', contentEncoding: 'utf-8' });
    })().catch((err: Error) => log.warn({ err: err.message }, 'demo notifier: a notification was not sent'));
  };
  notifications.on('notification', listener);
  await ready();
  return {
    async close() {
      notifications.off('notification', listener);
      await model?.close().catch(() => undefined);
    },
  };
}
