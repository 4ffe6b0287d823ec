import { createHash } from 'node:crypto';
import type { NewOutboxItem } from '../store/store.js';

/** The outbox target of the clearing houses (one target: they are tried in order within a delivery). */
export const COMPLIANCE_TARGET = 'compliance';

const changeKey = (ids: string[]) =>
  createHash('sha256')
    .update([...ids].sort().join('\n'))
    .digest('hex')
    .slice(0, 24);

/** A compliance request for a cloud, keyed by what caused it (the same cause is never queued twice). */
export function complianceDelivery(cloud: string, cause: string[]): NewOutboxItem {
  return {
    id: `${COMPLIANCE_TARGET}:comply:${cloud}:${changeKey(cause)}`,
    target: COMPLIANCE_TARGET,
    action: 'comply',
    subject: cloud,
    payload: JSON.stringify({ cloud }),
  };
}

/**
 * What a change of published credentials means for each outbox target: for a catalogue, every new
 * version of a Gaia-X credential (not our scs facts, whose context catalogues do not know) added —
 * on a catalogue that takes JSON-LD only (`ldOnly`: the 2025 API), not VC-JWTs — and every version
 * superseded or revoked revoked there; for the clearing houses, one compliance request for the cloud.
 * Ids are stable, so the same change is never queued twice.
 */
export function catalogueDeliveries(
  targets: string[],
  change: {
    cloud: string;
    added: { id: string; clearing_house: number; media_type?: string }[];
    removed: string[];
    ldOnly?: readonly string[];
  },
): NewOutboxItem[] {
  const out: NewOutboxItem[] = [];
  const added = change.added.filter((a) => a.clearing_house === 1);
  for (const target of targets) {
    if (target === COMPLIANCE_TARGET) {
      if (added.length || change.removed.length)
        out.push(complianceDelivery(change.cloud, [...added.map((a) => a.id), ...change.removed]));
      continue;
    }
    const ldOnly = change.ldOnly?.includes(target);
    for (const a of added)
      if (!ldOnly || !a.media_type?.endsWith('jwt'))
        out.push({ id: `${target}:add:${a.id}`, target, action: 'add', subject: a.id, payload: '{}' });
    for (const id of change.removed)
      out.push({ id: `${target}:revoke:${id}`, target, action: 'revoke', subject: id, payload: '{}' });
  }
  return out;
}
