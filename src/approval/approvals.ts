import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { GatewayError } from '../core/errors.js';
import type { JsonObject, ProfileId, SuiteId } from '../core/ids.js';
import { bodyOf, mediaTypeOf, signedWith } from '../credentials/secured.js';
import type { SigningInput } from '../credentials/suites/external.js';
import type { Secured } from '../credentials/suites/suite.js';
import { diffCredentials, type FieldChange } from '../describe/diff.js';
import { Bitstring } from '../status/bitstring.js';
import { catalogueDeliveries } from '../publish/deliveries.js';
import { groupBy } from '../core/group.js';
import { statusListCredential } from '../status/lists.js';
import {
  cloudLease,
  hasOwnStatus,
  type AuditRow,
  type CredentialRow,
  type Decision,
  type StatusListRow,
  type Store,
} from '../store/store.js';

/** What officers' decisions sign with: the credential service (the composition root provides it). */
export interface ApprovalSigner {
  readonly did: string;
  /** Sign with the gateway's key credentials validated when they were drafted. */
  signValidated(credentials: JsonObject[], req?: { profile?: ProfileId }): Promise<Secured[]>;
  /** Sign a status list credential with the gateway's key. */
  signCredential(credential: JsonObject, req?: { profile?: ProfileId }): Promise<Secured>;
  signingInput(credential: JsonObject, req: ExternalSignature): Promise<SigningInput>;
  attachSignature(credential: JsonObject, req: ExternalSignature, signature: Uint8Array): Promise<Secured>;
}

export interface ExternalSignature {
  officerKey: string;
  suite: SuiteId;
  created: Date;
  prevalidated: true;
}

export interface ApprovalDeps {
  store: Store;
  signer: ApprovalSigner;
  /** How long a decision may hold the cloud's lease (runs and decisions of a cloud never overlap). */
  leaseMs: number;
  defaultSuite: SuiteId;
  /** A profile's own suite (signing.suites) instead of defaultSuite. */
  suites?: Partial<Record<ProfileId, SuiteId>>;
  holder?: string;
  /** Called after every decision (what is public changed). */
  onChange?(): void;
  /** Catalogue targets of the outbox: what a decision publishes or revokes is queued for each. */
  catalogueTargets?: string[];
  /** Catalogues that take JSON-LD credentials only (the 2025 API). */
  ldOnlyTargets?: string[];
}

/** Which drafts a decision is about: some by id, or every pending one of a cloud (its set). */
export interface Target {
  ids?: string[];
  cloud?: string;
  /** With cloud: only the set of this profile. */
  profile?: string;
}

export interface DraftSummary {
  id: string;
  /** For people: the subject's name, else the last part of its IRI. */
  label: string;
  resource: string;
  version: number;
  cloud: string;
  profile: string;
  kind: string;
  subject: string;
  state: string;
  run: string;
  createdAt: string;
  /** The published version it would replace. */
  replaces: string | null;
  decidedBy: string | null;
  decidedAt: string | null;
  reason: string | null;
  supersededBy: string | null;
}

function labelOf(r: CredentialRow): string {
  try {
    const doc = parseBody(r);
    const subject = ([] as unknown[]).concat(doc.credentialSubject ?? [])[0] as Record<string, unknown> | undefined;
    const name = subject?.name ?? subject?.['gx:name'] ?? subject?.['gx:legalName'] ?? subject?.legalName;
    if (typeof name === 'string' && name.trim()) return name.trim().slice(0, 120);
  } catch {
    // a body that is not JSON: fall back to the IRI
  }
  return decodeURIComponent(r.subject.replace(/\/+$/, '').split('/').slice(-2).join('/'));
}

const summary = (r: CredentialRow, replaces: string | null): DraftSummary => ({
  id: r.id,
  label: labelOf(r),
  resource: r.base_id,
  version: r.version,
  cloud: r.cloud_id,
  profile: r.profile,
  kind: r.kind,
  subject: r.subject,
  state: r.state,
  run: r.run_id,
  createdAt: r.created_at,
  replaces,
  decidedBy: r.decided_by,
  decidedAt: r.decided_at,
  reason: r.reason,
  supersededBy: r.superseded_by,
});

/** A credential's content as it changes between versions: without its version id and status slot. */
function content(row: CredentialRow): JsonObject {
  const doc = parseBody(row);
  const { credentialStatus: _status, proof: _proof, ...rest } = doc;
  return { ...rest, id: row.base_id };
}

/** A stored body as JSON: a draft's or a JSON-LD credential's document, a JWT's payload. */
function parseBody(row: CredentialRow): JsonObject {
  if (row.body.startsWith('{')) return JSON.parse(row.body) as JsonObject;
  const payload = JSON.parse(Buffer.from(row.body.split('.')[1] ?? '', 'base64url').toString('utf8')) as JsonObject;
  return (payload.vc as JsonObject | undefined) ?? payload;
}

/**
 * The proof date of a signature made elsewhere unless the officer names one: when the draft was made
 * (to the second). The signing input and the upload then agree without carrying it between them.
 */
/**
 * A draft keeps the bytes its run validated, `validFrom` included, however late it is approved; one
 * whose validity ended meanwhile (a notary credential's `validUntil`, say) cannot be approved.
 */
function assertCurrent(row: CredentialRow): void {
  const c = parseBody(row);
  const until = c.validUntil ?? c.expirationDate;
  if (typeof until === 'string' && !(Date.parse(until) > Date.now()))
    throw new GatewayError(
      `${row.id} expired on ${until} (${c.validUntil !== undefined ? 'validUntil' : 'expirationDate'}) before it was approved: reject it; the next run drafts the resource anew with current dates`,
      'conflict',
    );
}

const draftedAt = (row: CredentialRow) => new Date(Math.floor(Date.parse(row.created_at) / 1000) * 1000);

const REASON_MAX = 2000;

function checkReason(reason: string | undefined, what: string): string {
  const r = (reason ?? '').trim();
  if (!r) throw new GatewayError(`${what} needs a reason (it goes to the audit log)`, 'usage');
  if (r.length > REASON_MAX) throw new GatewayError(`the reason is longer than ${REASON_MAX} characters`, 'usage');
  return r;
}

/**
 * The compliance officer's control over what the provider asserts (signing.mode approval): drafts
 * validated by a run wait here; an officer approves them (the gateway signs with its key), signs one
 * with their own key elsewhere and uploads the signature, rejects with a reason, or revokes a published
 * credential. Every decision takes the cloud's lease (no run of that cloud in between) and lands in one
 * transaction with its audit entries.
 */
export class Approvals {
  private readonly holder: string;

  constructor(private readonly deps: ApprovalDeps) {
    this.holder = deps.holder ?? `${hostname()}:${process.pid}:officer-${randomUUID().slice(0, 8)}`;
  }

  /** Pending drafts and proposed revocations, per cloud and profile. */
  async pending(cloud?: string) {
    const { store } = this.deps;
    const drafts = await store.drafts.list({ ...(cloud ? { cloud } : {}), states: ['draft'] });
    const proposals = await store.drafts.proposals(cloud);
    const sets = new Map<
      string,
      { cloud: string; profile: string; drafts: DraftSummary[]; revocations: DraftSummary[] }
    >();
    const setOf = (r: CredentialRow) => {
      const key = `${r.cloud_id}\n${r.profile}`;
      let s = sets.get(key);
      if (!s) sets.set(key, (s = { cloud: r.cloud_id, profile: r.profile, drafts: [], revocations: [] }));
      return s;
    };
    const published = new Map<string, Map<string, string>>();
    for (const d of drafts) {
      if (!published.has(d.cloud_id)) published.set(d.cloud_id, await store.credentials.publishedIds(d.cloud_id));
      setOf(d).drafts.push(summary(d, published.get(d.cloud_id)!.get(d.base_id) ?? null));
    }
    for (const p of proposals) setOf(p).revocations.push(summary(p, null));
    return [...sets.values()].sort((a, b) => (a.cloud + a.profile).localeCompare(b.cloud + b.profile));
  }

  /** Drafts decided or replaced (rejected, obsolete), newest first. */
  async decided(cloud?: string, limit = 100): Promise<DraftSummary[]> {
    const rows = await this.deps.store.drafts.list({
      ...(cloud ? { cloud } : {}),
      states: ['rejected', 'obsolete'],
      limit,
    });
    return rows.map((r) => summary(r, null));
  }

  /** One draft: its credential, what it changes against the published version, and its history. */
  async show(id: string): Promise<{
    draft: DraftSummary;
    credential: JsonObject;
    published: { id: string; credential: JsonObject } | null;
    changes: FieldChange[];
    added: boolean;
    history: AuditRow[];
  }> {
    const { store } = this.deps;
    const row = await this.draftRow(id, ['draft', 'rejected', 'obsolete', 'published', 'superseded', 'revoked']);
    const pub = row.state === 'draft' ? await store.credentials.publishedVersion(row.base_id) : undefined;
    const diff = diffCredentials(pub ? [content(pub)] : [], [content(row)]);
    return {
      draft: summary(row, pub?.id ?? null),
      credential: parseBody(row),
      published: pub ? { id: pub.id, credential: parseBody(pub) } : null,
      changes: diff.changed[0]?.changes ?? [],
      added: diff.added.length > 0,
      history: await store.audit.of(row.id),
    };
  }

  /** Approve drafts: the gateway signs them with its key and publishes them as one. */
  async approve(target: Target, actor: string): Promise<{ approved: string[]; revoked: string[] }> {
    const out = { approved: [] as string[], revoked: [] as string[] };
    for (const [cloud, { drafts, revocations }] of await this.select(target)) {
      await this.withLease(cloud, async () => {
        const rows = await this.fresh(drafts);
        rows.forEach(assertCurrent);
        // Each profile's drafts with its suite (signing.suites), in the drafts' order.
        const secured: Secured[] = new Array(rows.length);
        for (const [profile, some] of groupBy([...rows.entries()], ([, r]) => r.profile)) {
          const signed = await this.deps.signer.signValidated(
            some.map(([, r]) => parseBody(r)),
            { profile: profile as ProfileId },
          );
          some.forEach(([i], k) => (secured[i] = signed[k]!));
        }
        const decision = await this.decision(cloud, actor);
        const current = await this.deps.store.credentials.publishedIds(cloud);
        for (const [i, r] of rows.entries()) {
          const s = secured[i]!;
          const supersedes = current.get(r.base_id);
          decision.approve.push({
            id: r.id,
            body: bodyOf(s),
            media_type: mediaTypeOf(s, r.profile as ProfileId),
            signed_with: signedWith(s) ?? '',
            ...(supersedes ? { supersedes } : {}),
          });
          decision.audit.push(
            this.audit(actor, 'draft.approve', r.id, { signedWith: signedWith(s), set: !target.ids }),
          );
        }
        for (const r of revocations) {
          decision.revoke.push({ id: r.id, reason: 'its resource is no longer in the cloud (approved revocation)' });
          decision.audit.push(this.audit(actor, 'credential.revoke', r.id, { proposedBy: r.revocation_proposed }));
        }
        await this.commit(decision, [...rows, ...revocations], revocations);
        out.approved.push(...rows.map((r) => r.id));
        out.revoked.push(...revocations.map((r) => r.id));
      });
    }
    return out;
  }

  /** Reject drafts with a reason; the same content is not drafted again until it changes. */
  async reject(target: Target, reason: string | undefined, actor: string): Promise<{ rejected: string[] }> {
    const why = checkReason(reason, 'a rejection');
    const rejected: string[] = [];
    for (const [cloud, { drafts, revocations }] of await this.select(target)) {
      await this.withLease(cloud, async () => {
        const rows = await this.fresh(drafts);
        const decision = await this.decision(cloud, actor);
        for (const r of rows) {
          decision.reject.push({ id: r.id, reason: why });
          decision.audit.push(this.audit(actor, 'draft.reject', r.id, { reason: why }));
        }
        // A rejected set's revocation proposals are dropped too (kept published).
        for (const r of revocations) decision.audit.push(this.audit(actor, 'revocation.reject', r.id, { reason: why }));
        await this.commit(decision, [], []);
        if (revocations.length) await this.deps.store.drafts.clearProposals(revocations.map((r) => r.id));
        rejected.push(...rows.map((r) => r.id));
      });
    }
    return { rejected };
  }

  /** Revoke published credentials: status bit set (list re-signed), change-feed event, audit entry. */
  async revoke(ids: string[], reason: string | undefined, actor: string): Promise<{ revoked: string[] }> {
    const why = checkReason(reason, 'a revocation');
    const rows: CredentialRow[] = [];
    for (const id of ids) {
      const row = await this.deps.store.credentials.get(id);
      if (!row) throw new GatewayError(`no credential ${id}`, 'not-found');
      if (row.state !== 'published')
        throw new GatewayError(`${id} is ${row.state}: only a published credential can be revoked`, 'conflict');
      rows.push(row);
    }
    for (const [cloud, list] of groupBy(rows, (r) => r.cloud_id)) {
      await this.withLease(cloud, async () => {
        const decision = await this.decision(cloud, actor);
        for (const r of list) {
          decision.revoke.push({ id: r.id, reason: why });
          decision.audit.push(this.audit(actor, 'credential.revoke', r.id, { reason: why }));
        }
        await this.commit(decision, list, list);
      });
    }
    return { revoked: rows.map((r) => r.id) };
  }

  /** The exact bytes an officer signs elsewhere for a draft, with a registered officer key. */
  async signingInput(
    id: string,
    opts: { key: string; suite?: SuiteId; created?: Date },
  ): Promise<SigningInput & { draft: string }> {
    const row = await this.draftRow(id, ['draft']);
    assertCurrent(row);
    const input = await this.deps.signer.signingInput(
      parseBody(row),
      this.external(opts.key, opts.suite, opts.created ?? draftedAt(row), row.profile as ProfileId),
    );
    return { ...input, draft: row.id };
  }

  /**
   * Publish a draft with a signature an officer made elsewhere over its signing input: the proof is
   * assembled and must verify with the registered key over exactly those bytes, or nothing is stored.
   */
  async attachSignature(
    id: string,
    opts: { key: string; suite?: SuiteId; created?: Date; signature: Uint8Array },
    actor: string,
  ): Promise<{ published: string; signedWith: string }> {
    const row = await this.draftRow(id, ['draft']);
    assertCurrent(row);
    const secured = await this.deps.signer.attachSignature(
      parseBody(row),
      this.external(opts.key, opts.suite, opts.created ?? draftedAt(row), row.profile as ProfileId),
      opts.signature,
    );
    const method = signedWith(secured) ?? '';
    await this.withLease(row.cloud_id, async () => {
      const [fresh] = await this.fresh([row]);
      const decision = await this.decision(row.cloud_id, actor);
      decision.approve.push({
        id: fresh!.id,
        body: bodyOf(secured),
        media_type: mediaTypeOf(secured, row.profile as ProfileId),
        signed_with: method,
        ...(await this.replaces(fresh!)),
      });
      decision.audit.push(this.audit(actor, 'draft.signature', row.id, { signedWith: method, suite: opts.suite }));
      await this.commit(decision, [fresh!], []);
    });
    return { published: row.id, signedWith: method };
  }

  // --- internals

  private external(key: string, suite: SuiteId | undefined, created: Date, profile: ProfileId): ExternalSignature {
    return {
      officerKey: key,
      suite: suite ?? this.deps.suites?.[profile] ?? this.deps.defaultSuite,
      created,
      prevalidated: true,
    };
  }

  private async draftRow(id: string, states: string[]): Promise<CredentialRow> {
    const row = await this.deps.store.credentials.get(id);
    if (!row) throw new GatewayError(`no draft ${id}`, 'not-found');
    if (!states.includes(row.state)) {
      const why =
        row.state === 'obsolete'
          ? `a newer run drafted this resource again${row.superseded_by ? ` (${row.superseded_by})` : ''}: decide on that one`
          : row.state === 'rejected'
            ? `it was rejected by ${row.decided_by} (${row.reason})`
            : `it is ${row.state}`;
      throw new GatewayError(`${id} cannot be decided on: ${why}`, 'conflict');
    }
    return row;
  }

  /** The drafts and revocation proposals a target names, per cloud. */
  private async select(target: Target) {
    const { store } = this.deps;
    const out = new Map<string, { drafts: CredentialRow[]; revocations: CredentialRow[] }>();
    const add = (cloud: string) => {
      let e = out.get(cloud);
      if (!e) out.set(cloud, (e = { drafts: [], revocations: [] }));
      return e;
    };
    if (target.ids?.length) {
      const rows = await store.credentials.byIds(target.ids);
      for (const id of new Set(target.ids)) {
        const row = rows.get(id);
        if (row?.state !== 'draft') await this.draftRow(id, ['draft']); // throws what it is instead
        add(row!.cloud_id).drafts.push(row!);
      }
    } else if (target.cloud) {
      const profile = target.profile ? { profile: target.profile } : {};
      const drafts = await store.drafts.list({ cloud: target.cloud, ...profile, states: ['draft'] });
      const revocations = (await store.drafts.proposals(target.cloud)).filter(
        (r) => !target.profile || r.profile === target.profile,
      );
      if (!drafts.length && !revocations.length)
        throw new GatewayError(
          `nothing of cloud ${target.cloud}${target.profile ? ` (${target.profile})` : ''} waits for a decision`,
          'not-found',
        );
      Object.assign(add(target.cloud), { drafts, revocations });
    } else throw new GatewayError('name the drafts (ids) or the cloud whose pending set is meant', 'usage');
    return out;
  }

  /** Re-read under the lease: each must still be a draft (a run may have replaced it meanwhile). */
  private async fresh(rows: CredentialRow[]): Promise<CredentialRow[]> {
    const now = await this.deps.store.credentials.byIds(rows.map((r) => r.id));
    const stale = rows.find((r) => now.get(r.id)?.state !== 'draft');
    if (stale) await this.draftRow(stale.id, ['draft']); // throws what became of it
    return rows.map((r) => now.get(r.id)!);
  }

  private async replaces(r: CredentialRow): Promise<{ supersedes?: string }> {
    const pub = await this.deps.store.credentials.publishedVersion(r.base_id);
    return pub ? { supersedes: pub.id } : {};
  }

  private async decision(cloudId: string, actor: string): Promise<Decision> {
    return {
      cloudId,
      at: new Date().toISOString(),
      actor,
      approve: [],
      reject: [],
      revoke: [],
      statusLists: [],
      audit: [],
    };
  }

  private audit(actor: string, action: string, target: string, detail: object): Omit<AuditRow, 'seq'> {
    return { at: new Date().toISOString(), actor, action, target, detail: JSON.stringify(detail) };
  }

  /**
   * The status lists the decision touches: bits of revoked credentials set, and every list that
   * changed or was never signed (first needed by drafts) signed with the gateway's key; then write.
   */
  private async commit(decision: Decision, touched: CredentialRow[], revoked: CredentialRow[]): Promise<void> {
    const { store, signer } = this.deps;
    const lists = new Map<string, { row: StatusListRow; bits: Bitstring; changed: boolean }>();
    for (const r of touched) {
      // A notary's credential has no status entry of ours.
      if (!hasOwnStatus(r) || lists.has(r.status_list)) continue;
      const row = await store.statusLists.get(r.status_list);
      if (!row) throw new GatewayError(`status list ${r.status_list} is missing`, 'internal');
      lists.set(r.status_list, { row, bits: Bitstring.fromBase64(row.bits, row.size), changed: !row.body });
    }
    for (const r of revoked) {
      if (!hasOwnStatus(r)) continue;
      const l = lists.get(r.status_list)!;
      l.bits.set(r.status_index, true);
      l.changed = true;
    }
    const clearing = new Map(touched.map((r) => [r.id, r.clearing_house]));
    decision.outbox = catalogueDeliveries(this.deps.catalogueTargets ?? [], {
      cloud: decision.cloudId,
      added: decision.approve.map((a) => ({
        id: a.id,
        clearing_house: clearing.get(a.id) ?? 1,
        media_type: a.media_type,
      })),
      ldOnly: this.deps.ldOnlyTargets ?? [],
      removed: [
        ...decision.approve.flatMap((a) => (a.supersedes ? [a.supersedes] : [])),
        ...decision.revoke.map((r) => r.id),
      ],
    });
    const issued = decision.at.replace(/\.\d{3}Z$/, 'Z');
    for (const l of lists.values()) {
      if (!l.changed) continue;
      const secured = await signer.signCredential(
        statusListCredential({
          profile: l.row.profile as ProfileId,
          url: l.row.id,
          issuer: signer.did,
          issued,
          purpose: 'revocation',
          bits: l.bits,
        }),
        { profile: l.row.profile as ProfileId },
      );
      decision.statusLists.push({
        ...l.row,
        bits: l.bits.toBase64(),
        body: bodyOf(secured),
        media_type: mediaTypeOf(secured, l.row.profile as ProfileId),
        updated_at: decision.at,
      });
    }
    await store.drafts.decide(decision, {
      name: cloudLease(decision.cloudId),
      holder: this.holder,
      ttlMs: this.deps.leaseMs,
    });
    this.deps.onChange?.();
  }

  private async withLease<T>(cloud: string, fn: () => Promise<T>): Promise<T> {
    const { store, leaseMs } = this.deps;
    if (!(await store.leases.acquire(cloudLease(cloud), this.holder, leaseMs))) {
      const by = await store.leases.holder(cloudLease(cloud));
      throw new GatewayError(
        `a run of cloud ${cloud} is in progress (${by?.holder ?? 'another instance'}): decide again when it has finished`,
        'conflict',
      );
    }
    // Signing a large set takes a while: the lease is renewed meanwhile, as a run renews its own.
    const renew = setInterval(
      () => void store.leases.renew(cloudLease(cloud), this.holder, leaseMs).catch(() => undefined),
      Math.max(100, leaseMs / 3),
    );
    renew.unref();
    try {
      return await fn();
    } finally {
      clearInterval(renew);
      await store.leases.release(cloudLease(cloud), this.holder).catch(() => undefined);
    }
  }
}
