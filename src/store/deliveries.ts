import type { NewOutboxItem } from './store.js';

/**
 * What a change of published credentials means for each catalogue target: every new version of a
 * Gaia-X credential (not our scs facts, whose context catalogues do not know) added, every version
 * superseded or revoked revoked there. Ids are stable, so the same change is never queued twice.
 */
export function catalogueDeliveries(
  targets: string[],
  change: { added: { id: string; clearing_house: number }[]; removed: string[] },
): NewOutboxItem[] {
  const out: NewOutboxItem[] = [];
  for (const target of targets) {
    for (const a of change.added)
      if (a.clearing_house === 1)
        out.push({ id: `${target}:add:${a.id}`, target, action: 'add', subject: a.id, payload: '{}' });
    for (const id of change.removed)
      out.push({ id: `${target}:revoke:${id}`, target, action: 'revoke', subject: id, payload: '{}' });
  }
  return out;
}
