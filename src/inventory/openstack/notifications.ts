// OpenStack notifications (oslo.messaging, driver messagingv2) as the services publish them to
// RabbitMQ: a JSON envelope {"oslo.version": "2.0", "oslo.message": "<JSON text>"} whose message
// carries event_type, payload, publisher_id, timestamp, message_id and priority. Nova's flavor
// changes come only as versioned notifications (payload {"nova_object.name", "nova_object.data"}).
// What arrives is untrusted: anything malformed or too large is a reason, never an exception.

/** The exchanges the services publish on, and the topics (routing keys) of their notifications. */
export const NOTIFICATION_EXCHANGES = ['glance', 'nova', 'neutron', 'keystone', 'cinder'] as const;
export const NOTIFICATION_TOPICS = [
  'notifications.info',
  'notifications.warn',
  'notifications.error',
  'versioned_notifications.info',
] as const;

/** What a notification changes in the gateway's description of the cloud. */
export type NotificationEffect = 'images' | 'flavors' | 'networks' | 'projects' | 'volume-types';

/**
 * The event types that change what the gateway describes, and what each changes. Others (an
 * image's upload before it is active, instance life cycle, ports) are received and ignored.
 */
export const EVENT_EFFECTS: Readonly<Record<string, NotificationEffect>> = {
  'image.create': 'images',
  'image.update': 'images',
  'image.activate': 'images',
  'image.delete': 'images',
  'flavor.create': 'flavors',
  'flavor.update': 'flavors',
  'flavor.delete': 'flavors',
  'network.create.end': 'networks',
  'network.update.end': 'networks',
  'network.delete.end': 'networks',
  'identity.project.created': 'projects',
  'identity.project.updated': 'projects',
  'identity.project.deleted': 'projects',
  'volume_type.create': 'volume-types',
  'volume_type.update': 'volume-types',
  'volume_type.delete': 'volume-types',
};

/** The largest notification read (Glance's carry the image's properties; 1 MiB is generous). */
export const MAX_NOTIFICATION_BYTES = 1024 * 1024;

export interface Notification {
  messageId: string;
  eventType: string;
  publisherId: string;
  /** As the service wrote it (oslo: "2026-12-04 17:00:00.123456", UTC). */
  timestamp: string;
  priority: string;
  /** The exchange it came from. */
  exchange: string;
  /** Versioned (Nova's nova_object payload) or not. */
  versioned: boolean;
  /** The resource it is about, where the payload says (an image's, flavor's, network's or project's id). */
  resourceId?: string;
  /** What it changes in the description; undefined: nothing the gateway describes. */
  effect?: NotificationEffect;
}

export type Parsed = { ok: true; notification: Notification } | { ok: false; reason: string };

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const text = (v: unknown, max = 512): string | undefined =>
  typeof v === 'string' && v.length > 0 && v.length <= max ? v : undefined;

/** The id of the resource a payload is about, for the event types the gateway follows. */
function resourceIdOf(eventType: string, payload: Record<string, unknown>): string | undefined {
  const data = isObject(payload['nova_object.data']) ? payload['nova_object.data'] : undefined;
  if (data) return text(data.flavorid) ?? text(data.uuid) ?? text(data.id);
  if (eventType.startsWith('image.')) return text(payload.id);
  if (eventType.startsWith('network.')) {
    const network = isObject(payload.network) ? payload.network : undefined;
    return text(network?.id) ?? text(payload.network_id);
  }
  if (eventType.startsWith('identity.')) return text(payload.resource_info);
  if (eventType.startsWith('volume_type.')) {
    const type = isObject(payload.volume_types) ? payload.volume_types : undefined;
    return text(type?.id) ?? text(payload.volume_type_id);
  }
  return undefined;
}

/** One AMQP message body from `exchange`, read defensively. */
export function parseNotification(body: Uint8Array, exchange: string): Parsed {
  if (body.byteLength > MAX_NOTIFICATION_BYTES)
    return { ok: false, reason: `larger than ${MAX_NOTIFICATION_BYTES} bytes (${body.byteLength})` };
  let outer: unknown;
  try {
    outer = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  if (!isObject(outer)) return { ok: false, reason: 'not a JSON object' };
  let message: unknown = outer;
  if ('oslo.message' in outer) {
    if (typeof outer['oslo.message'] !== 'string') return { ok: false, reason: 'oslo.message is not a string' };
    try {
      message = JSON.parse(outer['oslo.message']);
    } catch {
      return { ok: false, reason: 'oslo.message is not JSON' };
    }
    if (!isObject(message)) return { ok: false, reason: 'oslo.message is not a JSON object' };
  }
  const m = message as Record<string, unknown>;
  const eventType = text(m.event_type, 256);
  if (!eventType) return { ok: false, reason: 'no event_type' };
  const messageId = text(m.message_id, 256);
  if (!messageId) return { ok: false, reason: 'no message_id' };
  const payload = isObject(m.payload) ? m.payload : {};
  const resourceId = resourceIdOf(eventType, payload);
  const effect = EVENT_EFFECTS[eventType];
  return {
    ok: true,
    notification: {
      messageId,
      eventType,
      publisherId: text(m.publisher_id, 256) ?? '',
      timestamp: text(m.timestamp, 64) ?? '',
      priority: text(m.priority, 32) ?? '',
      exchange,
      versioned: 'nova_object.data' in payload,
      ...(resourceId ? { resourceId } : {}),
      ...(effect ? { effect } : {}),
    },
  };
}
