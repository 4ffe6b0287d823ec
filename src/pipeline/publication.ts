// Sign or draft: what a profile's plan and its signed (or held) credentials add to the run's one
// Publication. Drafts in approval mode; in auto mode the signed versions, the revocations (after a
// complete introspection only) and the status lists whose bits changed, signed again.
import type { JsonObject, ProfileId } from '../core/ids.js';
import type { Secured } from '../credentials/suites/suite.js';
import { GatewayError } from '../core/errors.js';
import { bodyOf, mediaTypeOf, signedWith } from '../credentials/secured.js';
import type { IssuedCredential } from '../describe/notary.js';
import { statusListCredential } from '../status/lists.js';
import { hasOwnStatus, type NewVersion, type Publication } from '../store/store.js';
import type { PlannedVersion, ProfilePlan } from './plan.js';
import type { CredentialSigner, ProfileRun } from './run.js';

/** What the runner signs with: the credential service. */
export interface RunnerSigner extends CredentialSigner {
  readonly did: string;
  signCredential(credential: JsonObject, req?: { profile?: ProfileId }): Promise<Secured>;
}

export interface SettleContext {
  runId: string;
  /** The commit time of the run (every row's). */
  at: string;
  /** The issuance date the run's credentials carry. */
  issued: string;
  /** Whether every source answered in full: only then does absence revoke (or propose to). */
  complete: boolean;
  signer: RunnerSigner;
}

/** What one profile's settling says for the run record, and what the operator must know. */
export interface Settled {
  summary: Record<string, unknown>;
  problems: string[];
  published: number;
}

/** A version a notary issued, published as its bytes (in approval mode too: it is not the gateway's signature). */
function issuedVersion(a: PlannedVersion, issued: IssuedCredential, runId: string, at: string): NewVersion {
  return {
    ...a,
    state: 'published',
    run_id: runId,
    created_at: at,
    published_at: at,
    updated_at: at,
    body: issued.body,
    media_type: issued.mediaType,
    signed_with: issued.signedWith,
  };
}

/**
 * Approval mode: drafts, exactly the credentials validated and unsigned; the published state stays
 * until an officer decides. A notary's credentials are the notary's signature, not ours to approve:
 * published as they are.
 */
export function draftProfile(p: ProfileRun, plan: ProfilePlan, pub: Publication, ctx: SettleContext): Settled {
  const { runId, at } = ctx;
  const byId = new Map(p.set.credentials.map((c) => [c.id, c.credential]));
  for (const a of plan.add.filter((x) => plan.issued.has(x.id)))
    pub.add.push(issuedVersion(a, plan.issued.get(a.id)!, runId, at));
  pub.supersede.push(...plan.supersede.filter((x) => plan.issued.has(x.by)));
  for (const a of plan.add.filter((x) => !plan.issued.has(x.id)))
    pub.add.push({
      ...a,
      state: 'draft',
      run_id: runId,
      created_at: at,
      published_at: null,
      updated_at: at,
      body: JSON.stringify(byId.get(a.id)),
      media_type: 'application/json',
    });
  pub.obsolete!.push(...plan.obsolete);
  const summary: Record<string, unknown> = {
    drafted: plan.add.length,
    pending: plan.pending,
    rejectedBefore: plan.rejectedBefore,
    obsoleted: plan.obsolete.length,
    proposedRevocations: ctx.complete ? plan.vanished.length : 0,
  };
  // A proposal list replaces the profile's earlier one; after an incomplete introspection absence
  // proves nothing: the earlier proposals stay and nothing vanished is proposed.
  if (ctx.complete || !plan.vanished.length)
    pub.proposals!.push({ profile: p.profile, ids: plan.vanished.map((v) => v.id) });
  else summary.keptVanished = plan.vanished.length;
  // Slots taken are recorded; new lists are signed when an officer approves (body empty until then).
  pub.statusLists.push(...plan.lists.map((l) => l.row));
  return { summary, problems: [], published: 0 };
}

/**
 * Auto mode: the signed versions (a notary's as its bytes), what they supersede, the vanished
 * revoked after a complete introspection (kept otherwise, and said), and each status list whose
 * bits changed (or a new one) signed again.
 */
export async function signProfile(
  p: ProfileRun,
  plan: ProfilePlan,
  pub: Publication,
  ctx: SettleContext,
): Promise<Settled> {
  const { runId, at } = ctx;
  const problems: string[] = [];
  for (const a of plan.add) {
    const issuedBy = plan.issued.get(a.id);
    if (issuedBy) {
      pub.add.push(issuedVersion(a, issuedBy, runId, at));
      continue;
    }
    const secured = p.signed.get(a.id);
    if (!secured) throw new GatewayError(`${a.id} was not signed`, 'internal');
    pub.add.push({
      ...a,
      run_id: runId,
      created_at: at,
      published_at: at,
      updated_at: at,
      body: bodyOf(secured),
      media_type: mediaTypeOf(secured, p.profile),
      signed_with: signedWith(secured),
    });
  }
  pub.supersede.push(...plan.supersede);
  pub.obsolete!.push(...plan.obsolete);
  const summary: Record<string, unknown> = { published: plan.add.length, superseded: plan.supersede.length };
  if (plan.vanished.length && !ctx.complete) {
    summary.keptVanished = plan.vanished.length;
    problems.push(
      `${p.profile}: ${plan.vanished.length} credentials of resources not seen kept: the introspection was not complete, so absence proves nothing`,
    );
  } else if (plan.vanished.length) {
    for (const v of plan.vanished) {
      pub.revoke.push(v.id);
      if (!hasOwnStatus(v)) continue; // a notary's credential: withdrawn here, its status is the notary's
      const list = plan.lists.find((l) => l.row.id === v.status_list);
      if (!list) throw new GatewayError(`status list ${v.status_list} is missing`, 'internal');
      list.bits.set(v.status_index, true);
      list.changed = true;
    }
    summary.revoked = plan.vanished.length;
  }
  for (const list of plan.lists) {
    if (list.changed || !list.row.body) list.row = await signedList(list, p.profile, ctx);
    pub.statusLists.push(list.row);
  }
  return { summary, problems, published: plan.add.length };
}

/** A status list's row with its credential signed again for its current bits. */
async function signedList(list: ProfilePlan['lists'][number], profile: ProfileId, ctx: SettleContext) {
  const secured = await ctx.signer.signCredential(
    statusListCredential({
      profile,
      url: list.row.id,
      issuer: ctx.signer.did,
      issued: ctx.issued,
      purpose: 'revocation',
      bits: list.bits,
    }),
    { profile },
  );
  return {
    ...list.row,
    bits: list.bits.toBase64(),
    body: bodyOf(secured),
    media_type: mediaTypeOf(secured, profile),
    updated_at: ctx.at,
  };
}
