// A run's plan for one profile: the described set against what is published. Pure (no database,
// no clock but the `now` given, no network): new, unchanged, superseded and vanished resources,
// their version ids and status list slots; tested on its own (test/pipeline/plan.test.ts).
import type { ProfileId } from '../core/ids.js';
import { credentialOfBody, validUntilOf } from '../credentials/secured.js';
import type { DescribedCredential, DescribedSet } from '../describe/model.js';
import type { IssuedCredential } from '../describe/notary.js';
import { Bitstring } from '../status/bitstring.js';
import { statusEntry, statusListUrl, withStatus } from '../status/lists.js';
import {
  hasOwnStatus,
  issuedElsewhere,
  ISSUED_ELSEWHERE,
  NO_STATUS,
  type CredentialRow,
  type NewVersion,
  type StatusListRow,
} from '../store/store.js';

/** A status list as a run changes it: its row, its bits, whether it must be signed again. */
export interface ListState {
  row: StatusListRow;
  bits: Bitstring;
  changed: boolean;
}

/** A new version as planned before signing; the run, the bytes and the times come at publishing. */
export type PlannedVersion = Omit<
  NewVersion,
  'body' | 'media_type' | 'run_id' | 'created_at' | 'published_at' | 'updated_at'
>;

export interface ProfilePlan {
  add: PlannedVersion[];
  supersede: { id: string; by: string }[];
  vanished: CredentialRow[];
  unchanged: number;
  lists: ListState[];
  /** Approval mode: drafts of earlier runs kept as they are (same content), and those a newer one replaces. */
  pending: number;
  rejectedBefore: number;
  obsolete: { id: string; by: string | null }[];
  /** Versions a notary issued (published as its bytes, not signed), by id. */
  issued: Map<string, IssuedCredential>;
  /** What the operator should know about this profile's notary requests. */
  notes: string[];
}

/**
 * What a notary made of a resource it takes: its current credential kept, a new one issued for
 * the next version id, or none (the self-described credential stands).
 */
export type NotaryOutcome =
  { keep: CredentialRow } | { issued: IssuedCredential; id: string; version: number } | { self: true };

export interface PlanInput {
  cloudId: string;
  profile: ProfileId;
  set: DescribedSet;
  /** The published version of each resource of the profile. */
  current: CredentialRow[];
  /** The highest version number each described resource has had. */
  versions: Map<string, number>;
  /** The profile's status lists as stored. */
  lists: StatusListRow[];
  /** Drafts of earlier runs (and, in approval mode, rejected ones), newest first. */
  earlier: CredentialRow[];
  approval: boolean;
  /** Whether the profile's credentials carry a credentialStatus (signing.credentialStatus). */
  withEntries: boolean;
  statusListSize: number;
  baseUrl: string;
  /** Per resource a notary takes: what it answered this run. */
  notary?: Map<string, NotaryOutcome>;
  notes?: string[];
  now: number;
}

/** Whether a plan changes nothing: what is published is exactly the described set. */
export const unchangedPlan = (p: ProfilePlan): boolean =>
  !p.add.length && !p.vanished.length && !p.obsolete.length && !p.pending && !p.rejectedBefore;

/** The next version of a resource: its number and id. */
export function nextVersion(versions: Map<string, number>, baseId: string): { version: number; id: string } {
  const version = (versions.get(baseId) ?? 0) + 1;
  return { version, id: `${baseId}/v/${version}` };
}

/**
 * Versions and status entries for a described set: an unchanged resource keeps its current
 * version (id, status entry, bytes); a changed or new one gets the next version number and a
 * fresh status list slot; current versions whose resource is absent are the revocation candidates.
 */
export function planProfile(input: PlanInput): { set: DescribedSet; sign: Set<string>; plan: ProfilePlan } {
  const { cloudId, profile, set, versions, withEntries } = input;
  const current = new Map(input.current.map((r) => [r.base_id, r]));
  const lists: ListState[] = input.lists.map((row) => ({
    row: { ...row },
    bits: Bitstring.fromBase64(row.bits, row.size),
    changed: false,
  }));
  const allocate = (): { url: string; index: number } => {
    let list = lists.find((l) => l.row.next_index < l.row.size);
    if (!list) {
      const bits = new Bitstring(input.statusListSize);
      const url = statusListUrl(input.baseUrl, cloudId, profile, 'revocation', lists.length + 1);
      list = {
        row: {
          id: url,
          cloud_id: cloudId,
          profile,
          purpose: 'revocation',
          size: input.statusListSize,
          next_index: 0,
          bits: bits.toBase64(),
          body: '',
          media_type: '',
          updated_at: '',
        },
        bits,
        changed: true,
      };
      lists.push(list);
    }
    return { url: list.row.id, index: list.row.next_index++ };
  };
  const plan: ProfilePlan = {
    add: [],
    supersede: [],
    vanished: [],
    unchanged: 0,
    lists,
    pending: 0,
    rejectedBefore: 0,
    obsolete: [],
    issued: new Map(),
    notes: [...(input.notes ?? [])],
  };
  // Approval mode: a resource drafted before with the same content keeps that draft (pending or
  // rejected: an officer's no stands until the content changes); other pending drafts become obsolete.
  // In auto mode (say, switched from approval) every pending draft is obsolete: what a run publishes
  // replaces it, and approving it later would put older content over newer.
  const earlier = new Map<string, CredentialRow>();
  for (const d of input.earlier) if (!earlier.has(d.base_id)) earlier.set(d.base_id, d);
  const kept = new Set<string>();
  const sign = new Set<string>();
  const withheld = new Set(set.withheld);
  const seen = new Set<string>();
  /** A version of ours as its row holds it: with its status entry, or without when it has none. */
  const asRow = (c: DescribedCredential, row: CredentialRow): DescribedCredential => ({
    ...c,
    id: row.id,
    credential: hasOwnStatus(row)
      ? withStatus(
          { ...c.credential, id: row.id },
          profile,
          statusEntry(profile, row.status_list, row.status_index, 'revocation'),
        )
      : { ...c.credential, id: row.id },
  });
  /** The same content in the same status form (a change of signing.credentialStatus makes a new version). */
  const same = (row: CredentialRow, c: DescribedCredential) =>
    row.content_hash === c.contentHash && hasOwnStatus(row) === withEntries;
  const keepForeign = (c: DescribedCredential, row: CredentialRow): DescribedCredential => {
    plan.unchanged++;
    return { ...c, id: row.id, credential: credentialOfBody(row.body) };
  };
  const planOne = (c: DescribedCredential): DescribedCredential => {
    const cur = current.get(c.id);
    // A notary's credential (no notary configured now, or it did not answer): kept while valid.
    if (cur && issuedElsewhere(cur) && cur.content_hash === c.contentHash && !expired(cur, input.now))
      return keepForeign(c, cur);
    if (cur && !issuedElsewhere(cur) && same(cur, c)) {
      plan.unchanged++;
      return asRow(c, cur);
    }
    const before = input.approval ? earlier.get(c.id) : undefined;
    if (before && same(before, c)) {
      kept.add(before.id);
      if (before.state === 'draft') plan.pending++;
      else plan.rejectedBefore++;
      return asRow(c, before);
    }
    const { version, id } = nextVersion(versions, c.id);
    const slot = withEntries ? allocate() : { url: id, index: NO_STATUS };
    const credential = withEntries
      ? withStatus({ ...c.credential, id }, profile, statusEntry(profile, slot.url, slot.index, 'revocation'))
      : { ...c.credential, id };
    sign.add(id);
    plan.add.push(plannedVersion(cloudId, profile, c, { id, version, credential, slot }));
    if (cur) plan.supersede.push({ id: cur.id, by: id });
    return { ...c, id, credential };
  };
  const credentials: DescribedCredential[] = [];
  for (const c of set.credentials) {
    seen.add(c.id);
    const outcome = input.notary?.get(c.id);
    if (outcome && 'keep' in outcome) {
      credentials.push(keepForeign(c, outcome.keep));
    } else if (outcome && 'issued' in outcome) {
      // No slot in our status lists: the notary's credential carries the notary's status, if any.
      const { id, version, issued } = outcome;
      plan.issued.set(id, issued);
      const slot = { url: id, index: ISSUED_ELSEWHERE };
      plan.add.push(plannedVersion(cloudId, profile, c, { id, version, credential: issued.credential, slot }));
      const cur = current.get(c.id);
      if (cur) plan.supersede.push({ id: cur.id, by: id });
      credentials.push({ ...c, id, credential: issued.credential });
    } else credentials.push(planOne(c));
  }
  for (const [baseId, row] of current) if (!seen.has(baseId) && !withheld.has(baseId)) plan.vanished.push(row);
  for (const d of earlier.values())
    if (d.state === 'draft' && !kept.has(d.id))
      plan.obsolete.push({ id: d.id, by: plan.add.find((a) => a.base_id === d.base_id)?.id ?? null });
  return { set: { ...set, credentials }, sign, plan };
}

/** A new version of a described resource, as planned: its id, number, status slot and what it says. */
function plannedVersion(
  cloudId: string,
  profile: ProfileId,
  c: DescribedCredential,
  v: { id: string; version: number; credential: Record<string, unknown>; slot: { url: string; index: number } },
): PlannedVersion {
  return {
    id: v.id,
    base_id: c.id,
    version: v.version,
    cloud_id: cloudId,
    profile,
    kind: c.kind,
    subject: c.subject,
    types: JSON.stringify(subjectTypes(v.credential)),
    clearing_house: c.clearingHouse ? 1 : 0,
    content_hash: c.contentHash,
    state: 'published',
    status_list: v.slot.url,
    status_index: v.slot.index,
  };
}

function subjectTypes(credential: Record<string, unknown>): string[] {
  const subjects = ([] as unknown[]).concat(credential.credentialSubject ?? []) as Record<string, unknown>[];
  return [...new Set(subjects.flatMap((s) => ([] as unknown[]).concat(s?.type ?? []).map(String)))].map((t) =>
    t.replace(/^gx:/, ''),
  );
}

/** A stored credential past its validUntil / expirationDate / exp. */
export function expired(row: CredentialRow, now: number): boolean {
  const until = validUntilOf(row.body);
  return until !== undefined && until.getTime() <= now;
}
