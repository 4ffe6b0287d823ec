// NetBox webhooks (an event rule whose action is a webhook), as NetBox sends them
// (netbox/extras/webhooks.py): a POST whose body is the JSON of the event context, signed with
// `X-Hook-Signature: hex(HMAC-SHA512(secret, body))` when the webhook has a secret. The context has
// three forms across releases: 3.x–4.0 name the model (`"model": "site"`) with `username` and
// `request_id`; 4.1–4.6 name the object type (`"object_type": "dcim.site"`) and add `request`;
// 4.7 keeps `object_type`, `data`, `request` and `snapshots` only. `timestamp` is Python's
// isoformat() (microseconds, +00:00). Only what is signed is parsed; what is parsed is bounded.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** What gx-gateway reads of NetBox (src/inventory/netbox): a change to one of these starts a run. */
export const NETBOX_DESCRIBED = new Set(['dcim.region', 'dcim.site', 'dcim.location']);
/** 3.x–4.0 bodies name the model alone. */
const LEGACY_MODELS: Record<string, string> = { region: 'dcim.region', site: 'dcim.site', location: 'dcim.location' };

export interface NetBoxDelivery {
  /** created, updated, deleted (or job_started, job_ended, another event type NetBox maps). */
  event: string;
  /** app_label.model, e.g. dcim.site (from `object_type`, or `model` in 3.x–4.0). */
  objectType: string;
  objectId?: string;
  timestamp: Date;
  /** The request in NetBox that made the change, where the body names it. */
  requestId?: string;
  /** The digest of the signed body: one delivery, whatever its retries. */
  digest: string;
}

/** The outcome of a delivery, as the route answers it and the metrics count it. */
export type HookOutcome =
  | { outcome: 'accepted'; type: string; resource?: string; run: boolean }
  | { outcome: 'unknown-cloud' | 'unsigned' | 'forged' | 'malformed' | 'stale' | 'replayed'; detail: string };

/** Whether `signature` (hex, as NetBox sends it) is HMAC-SHA512 of `body` under `secret`; constant time. */
export function signatureHolds(body: Buffer, signature: string, secret: string): boolean {
  const expected = createHmac('sha512', secret).update(body).digest();
  if (!/^[0-9a-fA-F]{128}$/.test(signature.trim())) return false;
  return timingSafeEqual(expected, Buffer.from(signature.trim(), 'hex'));
}

/** The delivery a signed body holds, or why it is not one. */
export function parseDelivery(body: Buffer): NetBoxDelivery | { reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch {
    return { reason: 'the body is not JSON (the webhook’s body template must be the default, or JSON)' };
  }
  if (!json || typeof json !== 'object' || Array.isArray(json)) return { reason: 'the body is not a JSON object' };
  const o = json as Record<string, unknown>;
  const event = o.event;
  if (typeof event !== 'string' || !/^[a-z_]{1,40}$/.test(event))
    return { reason: 'the body has no event (created, updated, deleted)' };
  const named = typeof o.object_type === 'string' ? o.object_type : typeof o.model === 'string' ? o.model : undefined;
  if (!named || !/^[a-z0-9_.]{1,100}$/.test(named)) return { reason: 'the body names no object_type (or model)' };
  const objectType = named.includes('.') ? named : (LEGACY_MODELS[named] ?? named);
  if (typeof o.timestamp !== 'string') return { reason: 'the body has no timestamp' };
  // isoformat(): 2026-12-04T20:15:30.123456+00:00 (microseconds are cut to what Date keeps).
  const timestamp = new Date(o.timestamp.replace(/(\.\d{3})\d+/, '$1'));
  if (Number.isNaN(timestamp.getTime())) return { reason: 'the timestamp is not an ISO 8601 time' };
  const data = o.data as { id?: unknown } | undefined;
  const id = data && typeof data === 'object' ? data.id : undefined;
  const request = o.request as { id?: unknown } | undefined;
  const requestId =
    typeof o.request_id === 'string' ? o.request_id : typeof request?.id === 'string' ? request.id : undefined;
  return {
    event,
    objectType,
    ...(typeof id === 'number' || typeof id === 'string' ? { objectId: String(id).slice(0, 64) } : {}),
    timestamp,
    ...(requestId ? { requestId: requestId.slice(0, 64) } : {}),
    digest: createHash('sha256').update(body).digest('base64url'),
  };
}
