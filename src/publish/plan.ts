import { catalogueDeliveries, complianceDelivery, COMPLIANCE_TARGET } from './deliveries.js';
import type { ComplianceRow, NewOutboxItem, PublishedBody, Store } from '../store/store.js';
import { validUntilOf } from '../credentials/secured.js';
import { GatewayError } from '../core/errors.js';
import { createHash } from 'node:crypto';

/** The profiles configured clearing houses take: tagus-22.10 with a Tagus service, gaia-x-25.11 with a Loire one. */
export function complianceProfiles(
  houses: { tagusUrl?: string | undefined; loireUrl?: string | undefined }[],
): string[] {
  return [
    ...(houses.some((h) => h.tagusUrl) ? ['tagus-22.10'] : []),
    ...(houses.some((h) => h.loireUrl) ? ['gaia-x-25.11'] : []),
  ];
}

/** The set a compliance credential covers, named by its credential ids. */
export function setHash(ids: string[]): string {
  return createHash('sha256')
    .update([...ids].sort().join('\n'))
    .digest('hex');
}

/** What publishing is configured: the targets (catalogues, `compliance`) and what the clearing houses take. */
export interface PublishSetup {
  store: Store;
  /** Outbox targets that take credentials (catalogues, and `compliance` when clearing houses are configured). */
  targets: string[];
  /** Catalogues that take JSON-LD credentials only (the 2025 API): VC-JWTs are not queued for them. */
  ldOnly: string[];
  /** The profiles some configured clearing house takes. */
  complianceProfiles: string[];
  renewBeforeMs: number;
  clearingHouses: string[];
  now?: () => Date;
}

export interface ComplianceStatus {
  cloud: string;
  profile: string;
  state: 'none' | 'issued' | 'expired' | 'rejected';
  due: boolean;
  reason: string;
  credentials: number;
  id?: string;
  clearingHouse?: string;
  validUntil?: string | null;
  covered?: number;
  message?: string | null;
  at?: string;
}

export interface PublishPlan {
  dryRun: boolean;
  targets: { target: string; queued: number; items: string[] }[];
}

/** Whether an issued compliance credential is to be renewed now. */
export function renewalDue(row: ComplianceRow, renewBeforeMs: number, now: Date): boolean {
  if (row.state === 'expired') return true;
  return (
    row.state === 'issued' && row.valid_until !== null && Date.parse(row.valid_until) - renewBeforeMs <= now.getTime()
  );
}

/**
 * What the clearing house generation of a profile cannot take: Loire (gaia-x-25.11) takes VC-JWTs,
 * Tagus (tagus-22.10) JSON-LD credentials with their proofs.
 */
export function formatProblem(profile: string, rows: PublishedBody[]): string | undefined {
  const jsonLd = rows.filter((r) => r.body.startsWith('{')).length;
  if (profile === 'gaia-x-25.11' && jsonLd)
    return 'not submitted: Loire clearing houses take VC-JWTs and these gaia-x-25.11 credentials are JSON-LD (sign them as VC-JWTs: signing.suites: {gaia-x-25.11: vc-jose})';
  if (profile === 'tagus-22.10' && jsonLd < rows.length)
    return 'not submitted: Tagus clearing houses take JSON-LD credentials and these tagus-22.10 credentials are JWTs (sign them with a JSON-LD suite: signing.suites: {tagus-22.10: jws2020})';
  return undefined;
}

/** Whether a cloud's profile needs a (new) submission now, and why (not). */
export async function complianceDue(
  setup: Pick<PublishSetup, 'store' | 'renewBeforeMs' | 'now'>,
  cloud: string,
  profile: string,
): Promise<{ due: boolean; rows: PublishedBody[]; reason: string; latest: ComplianceRow | undefined }> {
  const rows = await setup.store.credentials.publishedBodies(cloud, profile, true);
  const latest = await setup.store.compliance.latest(cloud, profile);
  if (!rows.length) return { due: false, rows, latest, reason: 'no published clearing-house credentials' };
  const format = formatProblem(profile, rows);
  if (format) return { due: false, rows, latest, reason: format };
  if (latest?.set_hash !== setHash(rows.map((r) => r.id))) return { due: true, rows, latest, reason: 'changed' };
  if (latest.state === 'rejected')
    return {
      due: false,
      rows,
      latest,
      reason: `refused by ${latest.clearing_house}; resent when the credentials change`,
    };
  if (renewalDue(latest, setup.renewBeforeMs, setup.now?.() ?? new Date()))
    return { due: true, rows, latest, reason: 'renewal' };
  return { due: false, rows, latest, reason: `valid until ${latest.valid_until}` };
}

/** Per cloud and profile: the last answer of the clearing houses and whether a submission is due. */
/** A notary's registration-number credential a cloud publishes: who issued it and until when. */
export interface ComplianceOverview {
  clearingHouses: string[];
  items: ComplianceStatus[];
  registrationNumbers: RegistrationStatus[];
}

export interface RegistrationStatus {
  cloud: string;
  profile: string;
  id: string;
  issuer: string;
  validUntil: string | null;
  publishedAt: string | null;
}

/** The notary credentials published (per cloud and profile), with their expiry. */
export async function registrationStatus(store: Store, cloud?: string): Promise<RegistrationStatus[]> {
  return (await store.credentials.publishedForeign(cloud)).map((r) => ({
    cloud: r.cloud_id,
    profile: r.profile,
    id: r.id,
    issuer: (r.signed_with ?? '').replace(/#.*$/, ''),
    validUntil: validUntilOf(r.body)?.toISOString() ?? null,
    publishedAt: r.published_at,
  }));
}

export async function complianceStatus(setup: PublishSetup, cloud?: string): Promise<ComplianceStatus[]> {
  const items: ComplianceStatus[] = [];
  const clouds = cloud ? [cloud] : (await setup.store.clouds.list()).map((c) => c.id);
  for (const c of clouds)
    for (const profile of setup.complianceProfiles) {
      const { due, rows, reason, latest } = await complianceDue(setup, c, profile);
      items.push({
        cloud: c,
        profile,
        state: latest ? (latest.state === 'rejected' || latest.state === 'expired' ? latest.state : 'issued') : 'none',
        due,
        reason,
        credentials: rows.length,
        ...(latest
          ? {
              id: latest.id,
              clearingHouse: latest.clearing_house,
              validUntil: latest.valid_until,
              covered: (JSON.parse(latest.covered) as string[]).length,
              message: latest.message,
              at: latest.created_at,
            }
          : {}),
      });
    }
  return items;
}

/**
 * What each target lacks, as outbox items not queued before: for a catalogue, every published
 * Gaia-X credential it holds no active entry of; for the clearing houses, a compliance request for
 * every cloud whose set changed or whose compliance credential is due for renewal.
 */
export async function publishPlan(setup: PublishSetup, to?: string): Promise<Map<string, NewOutboxItem[]>> {
  const { store, targets } = setup;
  if (to && !targets.includes(to))
    throw new GatewayError(
      `no publish target ${to}: ${targets.length ? `the targets are ${targets.join(', ')}` : 'none is configured (the publish section)'}`,
      'bad-request',
    );
  const plan = new Map<string, NewOutboxItem[]>();
  const clouds = await store.clouds.list();
  for (const target of to ? [to] : targets) {
    const items: NewOutboxItem[] = [];
    if (target === COMPLIANCE_TARGET) {
      for (const cloud of clouds)
        for (const profile of setup.complianceProfiles) {
          const { due, rows, reason, latest } = await complianceDue(setup, cloud.id, profile);
          if (due)
            items.push(
              complianceDelivery(cloud.id, [
                reason,
                reason === 'renewal' ? latest!.id : rows.map((r) => r.id).join(','),
              ]),
            );
        }
    } else {
      const active = await store.catalogue.activeIds(target);
      for (const cloud of clouds) {
        const rows = await store.credentials.list({
          cloud: cloud.id,
          state: 'published',
          clearingHouse: true,
          limit: 1_000_000,
        });
        const missing = rows.filter((r) => !active.has(r.id));
        items.push(
          ...catalogueDeliveries([target], { cloud: cloud.id, added: missing, removed: [], ldOnly: setup.ldOnly }),
        );
      }
    }
    const existing = await store.outbox.existingIds(items.map((i) => i.id));
    plan.set(
      target,
      items.filter((i) => !existing.has(i.id)),
    );
  }
  return plan;
}

/** Queue the plan (unless dryRun); what was (or would be) queued per target. */
export async function publishNow(setup: PublishSetup, opts: { to?: string; dryRun?: boolean }): Promise<PublishPlan> {
  const plan = await publishPlan(setup, opts.to);
  const all = [...plan.values()].flat();
  if (!opts.dryRun && all.length) await setup.store.outbox.enqueue(all);
  return {
    dryRun: Boolean(opts.dryRun),
    targets: [...plan].map(([target, items]) => ({
      target,
      queued: items.length,
      items: items.slice(0, 100).map((i) => i.id),
    })),
  };
}
