import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { ProviderConfig } from '../config/schema.js';
import { GatewayError } from '../core/errors.js';
import type { JsonObject, ProfileId } from '../core/ids.js';
import type { Canonizer } from '../credentials/canonize.js';
import { bodyOf, credentialOfBody, mediaTypeOf, signedWith, validUntilOf } from '../credentials/secured.js';
import type { Secured } from '../credentials/suites/suite.js';
import type { DescribedCredential, DescribedSet } from '../describe/model.js';
import { Bitstring } from '../status/bitstring.js';
import { statusEntry, statusListCredential, statusListUrl, withStatus } from '../status/lists.js';
import {
  cloudLease,
  hasOwnStatus,
  issuedElsewhere,
  ISSUED_ELSEWHERE,
  NO_STATUS,
  type Cloud,
  type CredentialRow,
  type NewVersion,
  type Publication,
  type Run,
  type StatusListRow,
  type Store,
} from '../store/store.js';
import { catalogueDeliveries } from '../publish/deliveries.js';
import type { SourcesSpec } from './introspect.js';
import type { IssuedCredential, NotaryRun, RegistrationNotary } from '../describe/notary.js';
import { runPipeline, type CredentialSigner } from './run.js';
import type { SetValidator } from './validate-in-worker.js';
import type { SourcePolicy } from './source-policy.js';

/** What the runner signs with: the credential service. */
export interface RunnerSigner extends CredentialSigner {
  readonly did: string;
  signCredential(credential: JsonObject, req?: { profile?: ProfileId }): Promise<Secured>;
}

export interface RunnerDeps {
  store: Store;
  signer: RunnerSigner;
  canonizer: Canonizer;
  baseUrl: string;
  provider: ProviderConfig;
  registrationNumberCredentials?: JsonObject[];
  /** Where a cloud's sources are (the app resolves demo, configured and API-added clouds). */
  resolveSources(
    cloud: Cloud,
  ): Promise<{ spec: SourcesSpec; env?: NodeJS.ProcessEnv; baseDir?: string; policy?: SourcePolicy }>;
  leaseMs: number;
  /** Validate each set somewhere else (a worker thread); in-process when omitted. */
  validate?: SetValidator;
  /** A run still going after this long is stopped between stages (abandoned, nothing published). */
  runTimeoutMs?: number;
  maxSetCredentials?: number;
  /** Bits per status list (131,072 by default). */
  statusListSize?: number;
  log?: { info(o: object, m: string): void; warn(o: object, m: string): void };
  onRunFinished?(run: Run): void;
  /** This instance's name in leases: `host:pid:random` (default). */
  holder?: string;
  /**
   * signing.mode approval: validated credentials are kept as drafts for an officer; nothing is
   * signed (status lists included) and nothing vanished is revoked without one.
   */
  approval?: boolean;
  /** Catalogue targets of the outbox: what a run publishes or revokes is queued for each. */
  catalogueTargets?: string[];
  /** Catalogues that take JSON-LD credentials only (the 2025 API). */
  ldOnlyTargets?: string[];
  /** Registration numbers are sent to a Gaia-X notary and its credentials published instead of self-described ones. */
  notary?: RegistrationNotary;
  /** Profiles whose credentials carry no credentialStatus (signing.credentialStatus: none). */
  noStatus?: ProfileId[];
}

export type RunOutcome = { run: Run } | { busy: true; holder: string };

export const leaseName = cloudLease;

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

/** A new version of a described resource, as planned: its id, number, status slot and what it says. */
function plannedVersion(
  cloudId: string,
  profile: ProfileId,
  c: DescribedCredential,
  v: { id: string; version: number; credential: JsonObject; slot: { url: string; index: number } },
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

function subjectTypes(credential: JsonObject): string[] {
  const subjects = ([] as unknown[]).concat(credential.credentialSubject ?? []) as JsonObject[];
  return [...new Set(subjects.flatMap((s) => ([] as unknown[]).concat(s?.type ?? []).map(String)))].map((t) =>
    t.replace(/^gx:/, ''),
  );
}

/** A holder is `host:pid:random`; one on this host whose process is gone is dead for sure. */
export function deadLocalHolder(holder: string): boolean {
  const [host, pid] = holder.split(':');
  if (host !== hostname() || !pid || Number(pid) === process.pid) return false;
  try {
    process.kill(Number(pid), 0);
    return false;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

interface ListState {
  row: StatusListRow;
  bits: Bitstring;
  changed: boolean;
}

/** A new version as planned before signing; the run, the bytes and the times come at publishing. */
type PlannedVersion = Omit<NewVersion, 'body' | 'media_type' | 'run_id' | 'created_at' | 'published_at' | 'updated_at'>;

interface ProfilePlan {
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
 * Runs the pipeline for one cloud at a time (a lease in the database, so also across instances):
 * introspect → describe → version and status entries → validate → sign what changed → publish in
 * one transaction. An unchanged resource keeps its credential; a changed one gets a new version
 * that supersedes the old; one that vanished is revoked only after a complete introspection.
 */
export class CloudRunner {
  readonly holder: string;
  /** Clouds this instance is running now (the lease alone lets its holder in again). */
  private readonly active = new Set<string>();

  constructor(private readonly deps: RunnerDeps) {
    this.holder = deps.holder ?? `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  }

  private async takeLease(cloudId: string): Promise<{ ok: true } | { ok: false; holder: string }> {
    const { store, leaseMs } = this.deps;
    if (await store.leases.acquire(leaseName(cloudId), this.holder, leaseMs)) return { ok: true };
    const current = await store.leases.holder(leaseName(cloudId));
    if (current && deadLocalHolder(current.holder)) {
      await store.leases.release(leaseName(cloudId), current.holder);
      if (await store.leases.acquire(leaseName(cloudId), this.holder, leaseMs)) return { ok: true };
    }
    return { ok: false, holder: current?.holder ?? 'unknown' };
  }

  /** One run of a cloud, to its end. `busy` when another run (here or in another instance) holds it. */
  async run(
    cloudId: string,
    trigger: string,
    opts: { signal?: AbortSignal; actor?: string } = {},
  ): Promise<RunOutcome> {
    const begun = await this.begin(cloudId, trigger, opts);
    return 'busy' in begun ? begun : { run: await begun.done };
  }

  /**
   * Start a run and return once it is recorded (`running`), with a promise of its end: what the
   * HTTP API answers 202 with. The promise never rejects: a failed run is a run record.
   */
  async begin(
    cloudId: string,
    trigger: string,
    opts: { signal?: AbortSignal; actor?: string } = {},
  ): Promise<{ busy: true; holder: string } | { run: Run; done: Promise<Run> }> {
    const { store } = this.deps;
    const cloud = await store.clouds.get(cloudId);
    if (!cloud) throw new GatewayError(`no cloud ${cloudId}`, 'not-found');
    if (this.active.has(cloudId)) return { busy: true, holder: this.holder };
    this.active.add(cloudId);
    let lease: Awaited<ReturnType<CloudRunner['takeLease']>>;
    try {
      lease = await this.takeLease(cloudId);
    } catch (err) {
      this.active.delete(cloudId);
      throw err;
    }
    if (!lease.ok) {
      this.active.delete(cloudId);
      return { busy: true, holder: lease.holder };
    }
    let lost = false;
    const renew = setInterval(
      () => {
        store.leases.renew(leaseName(cloudId), this.holder, this.deps.leaseMs).then(
          (ok) => (lost ||= !ok),
          () => undefined,
        );
      },
      Math.max(100, this.deps.leaseMs / 3),
    );
    renew.unref();
    let run: Run;
    try {
      run = await store.runs.start({ id: randomUUID(), cloud_id: cloudId, trigger, holder: this.holder });
    } catch (err) {
      clearInterval(renew);
      await store.leases.release(leaseName(cloudId), this.holder).catch(() => undefined);
      this.active.delete(cloudId);
      throw err;
    }
    const started = { ...run };
    const timeout = this.deps.runTimeoutMs ? AbortSignal.timeout(this.deps.runTimeoutMs) : undefined;
    const signal =
      opts.signal && timeout ? AbortSignal.any([opts.signal, timeout]) : (opts.signal ?? timeout ?? undefined);
    const done = (async () => {
      try {
        await this.execute(cloud, run, opts.actor ?? trigger, signal, () => lost);
      } catch (err) {
        let message = err instanceof GatewayError ? err.message : `internal error: ${(err as Error).message}`;
        const aborted = signal?.aborted;
        if (timeout?.aborted) message = `it ran longer than scheduler.runTimeoutSeconds (${message})`;
        await store.runs
          .finish(run.id, {
            state: aborted ? 'abandoned' : 'failed',
            finished_at: new Date().toISOString(),
            stages: run.stages,
            provenance: run.provenance,
            error: aborted ? `stopped before it finished (${message}); nothing of it was published` : message,
            inventory_hash: run.inventory_hash,
            summary: run.summary,
          })
          .catch(() => undefined);
        this.deps.log?.warn({ cloud: cloudId, run: run.id, err: message }, 'run failed: nothing published');
      } finally {
        clearInterval(renew);
        await store.leases.release(leaseName(cloudId), this.holder).catch(() => undefined);
        this.active.delete(cloudId);
      }
      const end = (await store.runs.get(run.id)) ?? run;
      this.deps.onRunFinished?.(end);
      return end;
    })();
    return { run: started, done };
  }

  private async execute(
    cloud: Cloud,
    run: Run,
    actor: string,
    signal: AbortSignal | undefined,
    lost: () => boolean,
  ): Promise<void> {
    const { store, signer, baseUrl } = this.deps;
    const profiles = JSON.parse(cloud.profiles) as ProfileId[];
    const { spec, env, baseDir, policy } = await this.deps.resolveSources(cloud);
    const issued = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const plans = new Map<ProfileId, ProfilePlan>();
    const stages: Record<string, unknown> = {};
    const record = (extra: Partial<Run>) => Object.assign(run, extra);
    // What this run learns of the notaries (those that did not answer are asked once per run).
    const notaryRun: NotaryRun = { ...(signal ? { signal } : {}), unavailable: new Map() };

    const result = await runPipeline(spec, {
      ...(env ? { env } : {}),
      ...(baseDir ? { baseDir } : {}),
      ...(policy ? { policy } : {}),
      ...(signal ? { signal } : {}),
      profiles,
      describe: {
        provider: this.deps.provider,
        baseUrl,
        issuer: signer.did,
        issued,
        ...(this.deps.registrationNumberCredentials
          ? { registrationNumberCredentials: this.deps.registrationNumberCredentials }
          : {}),
      },
      canonizer: this.deps.canonizer,
      ...(this.deps.validate ? { validate: this.deps.validate } : {}),
      ...(this.deps.approval ? {} : { signer }),
      ...(this.deps.maxSetCredentials ? { maxSetCredentials: this.deps.maxSetCredentials } : {}),
      prepare: async (profile, set) => {
        const plan = await this.plan(cloud.id, profile, set, notaryRun);
        plans.set(profile, plan.plan);
        // Exactly what is published (nothing new, changed, gone or drafted anew): validated when
        // it was signed, so a re-run of an unchanged cloud validates nothing.
        const p = plan.plan;
        const published = !p.add.length && !p.vanished.length && !p.obsolete.length && !p.pending && !p.rejectedBefore;
        return { set: plan.set, sign: plan.sign, published };
      },
    });
    const inventory = result.inventory;
    const complete = inventory.sources.every((s) => s.status === 'ok');
    record({
      inventory_hash: inventory.contentHash,
      provenance: JSON.stringify(
        inventory.sources.map((s) => ({ source: s.id, status: s.status, errors: s.errors, warnings: s.warnings })),
      ),
    });
    stages.introspect = {
      status: complete ? 'ok' : inventory.sources.some((s) => s.status === 'ok') ? 'partial' : 'failed',
      ms: result.timings.introspectMs,
    };
    const same = result.profiles.filter((p) => p.unchanged).map((p) => p.profile);
    stages.describeValidate = {
      status: 'ok',
      ms: result.timings.describeValidateMs,
      // Profiles whose described set is exactly what is published: validated when signed, not again.
      ...(same.length ? { unchanged: same } : {}),
    };
    stages.sign = this.deps.approval
      ? { status: 'held', detail: 'signing.mode approval: drafts wait for an officer' }
      : { status: 'ok', ms: result.timings.signMs };

    const at = new Date().toISOString();
    const pub: Publication = {
      runId: run.id,
      cloudId: cloud.id,
      at,
      add: [],
      obsolete: [],
      ...(this.deps.approval ? { proposals: [] } : {}),
      supersede: [],
      revoke: [],
      statusLists: [],
      inventory: { hash: inventory.contentHash, body: JSON.stringify(inventory) },
      run: {
        state: 'succeeded',
        finished_at: at,
        stages: '',
        provenance: run.provenance,
        error: null,
        inventory_hash: inventory.contentHash,
        summary: '',
      },
      audit: [],
    };
    const summary: Record<string, unknown> = {};
    const problems: string[] = [];
    let published = 0;
    for (const p of result.profiles) {
      const plan = plans.get(p.profile)!;
      const s: Record<string, unknown> = {
        described: p.set.credentials.length,
        unchanged: plan.unchanged,
        warnings: p.set.warnings.length,
      };
      summary[p.profile] = s;
      // What no source could read this run: neither described anew nor removed (and why).
      if (p.set.unknown.length)
        s.unknown = [
          ...new Set(
            p.set.unknown.map(
              (u) => `${u.source}: ${u.kind}${u.region ? ` of ${u.region}` : ''} unknown (${u.reason})`,
            ),
          ),
        ];
      if (plan.notes.length) {
        s.notary = plan.notes;
        problems.push(...plan.notes.map((n) => `${p.profile}: ${n}`));
      }
      const notarized = plan.add.filter((a) => plan.issued.has(a.id)).length;
      if (notarized) s.notarized = notarized;
      if (p.refused) {
        s.refused = p.refused;
        s.violations = p.failed.slice(0, 20).map((r) => ({
          credential: r.subject,
          results: r.results
            .filter((x) => x.severity === 'violation')
            .slice(0, 5)
            .map((x) => x.message ?? x.constraint),
        }));
        problems.push(`${p.profile}: ${p.refused}; nothing signed`);
        continue;
      }
      if (this.deps.approval) {
        // Drafts: exactly the credentials validated, unsigned; the published state stays until an officer decides.
        const byId = new Map(p.set.credentials.map((c) => [c.id, c.credential]));
        // A notary's credentials are the notary's signature, not ours to approve: published as they are.
        for (const a of plan.add.filter((x) => plan.issued.has(x.id)))
          pub.add.push(issuedVersion(a, plan.issued.get(a.id)!, run.id, at));
        pub.supersede.push(...plan.supersede.filter((x) => plan.issued.has(x.by)));
        for (const a of plan.add.filter((x) => !plan.issued.has(x.id)))
          pub.add.push({
            ...a,
            state: 'draft',
            run_id: run.id,
            created_at: at,
            published_at: null,
            updated_at: at,
            body: JSON.stringify(byId.get(a.id)),
            media_type: 'application/json',
          });
        pub.obsolete!.push(...plan.obsolete);
        pub.proposals!.push({ profile: p.profile, ids: plan.vanished.map((v) => v.id) });
        Object.assign(s, {
          drafted: plan.add.length,
          pending: plan.pending,
          rejectedBefore: plan.rejectedBefore,
          obsoleted: plan.obsolete.length,
          proposedRevocations: complete ? plan.vanished.length : 0,
        });
        if (!complete && plan.vanished.length) {
          pub.proposals!.pop();
          s.keptVanished = plan.vanished.length;
        }
        // Slots taken are recorded; new lists are signed when an officer approves (body empty until then).
        pub.statusLists.push(...plan.lists.map((l) => l.row));
        continue;
      }
      for (const a of plan.add) {
        const issuedBy = plan.issued.get(a.id);
        if (issuedBy) {
          pub.add.push(issuedVersion(a, issuedBy, run.id, at));
          continue;
        }
        const secured = p.signed.get(a.id);
        if (!secured) throw new GatewayError(`${a.id} was not signed`, 'internal');
        pub.add.push({
          ...a,
          run_id: run.id,
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
      s.published = plan.add.length;
      s.superseded = plan.supersede.length;
      published += plan.add.length;
      if (plan.vanished.length && !complete) {
        s.keptVanished = plan.vanished.length;
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
        s.revoked = plan.vanished.length;
      }
      // Status lists whose bits changed, or new ones, are (re-)signed; their index counters move too.
      for (const list of plan.lists) {
        if (list.changed || !list.row.body) {
          const secured = await signer.signCredential(
            statusListCredential({
              profile: p.profile,
              url: list.row.id,
              issuer: signer.did,
              issued,
              purpose: 'revocation',
              bits: list.bits,
            }),
            { profile: p.profile },
          );
          list.row = {
            ...list.row,
            bits: list.bits.toBase64(),
            body: bodyOf(secured),
            media_type: mediaTypeOf(secured, p.profile),
            updated_at: at,
          };
        }
        pub.statusLists.push(list.row);
      }
    }
    pub.outbox = catalogueDeliveries(this.deps.catalogueTargets ?? [], {
      cloud: cloud.id,
      added: pub.add.filter((a) => a.state === 'published'),
      removed: [...pub.supersede.map((x) => x.id), ...pub.revoke],
      ldOnly: this.deps.ldOnlyTargets ?? [],
    });
    if (signal?.aborted) throw new GatewayError('the gateway is stopping', 'unavailable');
    if (lost()) throw new GatewayError('the run lost its lease (another instance took the cloud over)', 'conflict');
    const refusedAll = result.profiles.every((p) => p.refused);
    pub.run.state = refusedAll ? 'failed' : !complete || problems.length ? 'partial' : 'succeeded';
    stages.publish = { status: refusedAll ? 'skipped' : 'ok' };
    pub.run.stages = JSON.stringify(stages);
    pub.run.summary = JSON.stringify({ ...summary, notes: problems });
    pub.run.error = problems.length ? problems.join('; ') : null;
    pub.audit.push({
      at,
      actor,
      action: this.deps.approval ? 'run.draft' : 'run.publish',
      target: cloud.id,
      detail: JSON.stringify({
        run: run.id,
        ...(this.deps.approval ? { drafted: pub.add.length, obsolete: pub.obsolete!.length } : {}),
        published,
        superseded: pub.supersede.length,
        revoked: pub.revoke.length,
      }),
    });
    const t0 = performance.now();
    await store.runs.publish(pub, { name: leaseName(cloud.id), holder: this.holder, ttlMs: this.deps.leaseMs });
    stages.publish = { ...(stages.publish as object), ms: Math.round(performance.now() - t0) };
    await store.runs.recordStages(run.id, JSON.stringify(stages));
    this.deps.log?.info(
      { cloud: cloud.id, run: run.id, state: pub.run.state, published, revoked: pub.revoke.length },
      'run finished',
    );
  }

  /**
   * Versions and status entries for a described set: an unchanged resource keeps its current
   * version (id, status entry, bytes); a changed or new one gets the next version number and a
   * fresh status list slot; current versions whose resource is absent are the revocation candidates.
   */
  private async plan(
    cloudId: string,
    profile: ProfileId,
    set: DescribedSet,
    notaryRun: NotaryRun,
  ): Promise<{ set: DescribedSet; sign: Set<string>; plan: ProfilePlan }> {
    const { store, baseUrl } = this.deps;
    const size = this.deps.statusListSize ?? 131072;
    const current = new Map((await store.credentials.published(cloudId, profile)).map((r) => [r.base_id, r]));
    const versions = await store.credentials.lastVersions(set.credentials.map((c) => c.id));
    const lists: ListState[] = (await store.statusLists.of(cloudId, profile)).map((row) => ({
      row,
      bits: Bitstring.fromBase64(row.bits, row.size),
      changed: false,
    }));
    const allocate = (): { url: string; index: number } => {
      let list = lists.find((l) => l.row.next_index < l.row.size);
      if (!list) {
        const bits = new Bitstring(size);
        const url = statusListUrl(baseUrl, cloudId, profile, 'revocation', lists.length + 1);
        list = {
          row: {
            id: url,
            cloud_id: cloudId,
            profile,
            purpose: 'revocation',
            size,
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
      notes: [],
    };
    // Approval mode: a resource drafted before with the same content keeps that draft (pending or
    // rejected: an officer's no stands until the content changes); other pending drafts become obsolete.
    // In auto mode (say, switched from approval) every pending draft is obsolete: what a run publishes
    // replaces it, and approving it later would put older content over newer.
    const earlier = new Map<string, CredentialRow>();
    const states: CredentialRow['state'][] = this.deps.approval ? ['draft', 'rejected'] : ['draft'];
    for (const d of await store.drafts.list({ cloud: cloudId, profile, states }))
      if (!earlier.has(d.base_id)) earlier.set(d.base_id, d);
    const kept = new Set<string>();
    const sign = new Set<string>();
    const withheld = new Set(set.withheld);
    const seen = new Set<string>();
    // Whether this profile's credentials carry a credentialStatus (signing.credentialStatus).
    const withEntries = !this.deps.noStatus?.includes(profile);
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
    const planOne = (c: DescribedCredential): DescribedCredential => {
      const cur = current.get(c.id);
      if (cur && issuedElsewhere(cur) && cur.content_hash === c.contentHash && !expired(cur)) {
        // A notary's credential (no notary configured now, or it did not answer): kept while valid.
        plan.unchanged++;
        return { ...c, id: cur.id, credential: credentialOfBody(cur.body) };
      }
      if (cur && !issuedElsewhere(cur) && same(cur, c)) {
        plan.unchanged++;
        return asRow(c, cur);
      }
      const before = this.deps.approval ? earlier.get(c.id) : undefined;
      if (before && same(before, c)) {
        kept.add(before.id);
        if (before.state === 'draft') plan.pending++;
        else plan.rejectedBefore++;
        return asRow(c, before);
      }
      const version = (versions.get(c.id) ?? 0) + 1;
      const id = `${c.id}/v/${version}`;
      const slot = withEntries ? allocate() : { url: id, index: NO_STATUS };
      const credential = withEntries
        ? withStatus({ ...c.credential, id }, profile, statusEntry(profile, slot.url, slot.index, 'revocation'))
        : { ...c.credential, id };
      sign.add(id);
      plan.add.push(plannedVersion(cloudId, profile, c, { id, version, credential, slot }));
      if (cur) plan.supersede.push({ id: cur.id, by: id });
      return { ...c, id, credential };
    };
    const notary = this.deps.notary;
    const credentials: DescribedCredential[] = [];
    for (const c of set.credentials) {
      seen.add(c.id);
      if (notary?.takes(profile, c)) {
        const issued = await this.notarized(cloudId, profile, c, current.get(c.id), versions, plan, notaryRun);
        if (issued) {
          credentials.push(issued);
          continue;
        }
      }
      credentials.push(planOne(c));
    }
    for (const [baseId, row] of current) if (!seen.has(baseId) && !withheld.has(baseId)) plan.vanished.push(row);
    for (const d of earlier.values())
      if (d.state === 'draft' && !kept.has(d.id))
        plan.obsolete.push({ id: d.id, by: plan.add.find((a) => a.base_id === d.base_id)?.id ?? null });
    return { set: { ...set, credentials }, sign, plan };
  }

  /**
   * A registration number a notary issues: its current credential is kept while valid and not due
   * for renewal; otherwise the notary is asked for the next version's id. When no notary issues it,
   * the current notary credential is kept while it is valid, else the self-described one is planned
   * instead (undefined): a notary's outage or refusal loses nothing and is noted for the operator.
   */
  private async notarized(
    cloudId: string,
    profile: ProfileId,
    c: DescribedCredential,
    cur: CredentialRow | undefined,
    versions: Map<string, number>,
    plan: ProfilePlan,
    run: NotaryRun,
  ): Promise<DescribedCredential | undefined> {
    const notary = this.deps.notary!;
    const now = Date.now();
    const held = cur && issuedElsewhere(cur) && cur.content_hash === c.contentHash ? cur : undefined;
    const until = held ? (validUntilOf(held.body)?.getTime() ?? Infinity) : 0;
    const keep = (row: CredentialRow) => {
      plan.unchanged++;
      return { ...c, id: row.id, credential: credentialOfBody(row.body) };
    };
    if (held && until - notary.renewBeforeMs > now) return keep(held);
    const version = (versions.get(c.id) ?? 0) + 1;
    const id = `${c.id}/v/${version}`;
    let issued: IssuedCredential;
    try {
      issued = await notary.issue(profile, c, id, run);
    } catch (err) {
      if (run.signal?.aborted) throw err;
      const message = (err as Error).message;
      if (held && until > now) {
        plan.notes.push(
          `${c.id}: the notary's credential was not renewed (${message}); the current one is valid until ${new Date(until).toISOString()}`,
        );
        return keep(held);
      }
      plan.notes.push(
        `${c.id}: no notary credential (${message}); the self-described registration number stands until a notary issues one`,
      );
      return undefined;
    }
    plan.issued.set(id, issued);
    // No slot in our status lists: the notary's credential carries the notary's status, if any.
    const slot = { url: id, index: ISSUED_ELSEWHERE };
    plan.add.push(plannedVersion(cloudId, profile, c, { id, version, credential: issued.credential, slot }));
    if (cur) plan.supersede.push({ id: cur.id, by: id });
    return { ...c, id, credential: issued.credential };
  }
}

/** A stored credential past its validUntil / expirationDate / exp. */
function expired(row: CredentialRow): boolean {
  const until = validUntilOf(row.body);
  return until !== undefined && until.getTime() <= Date.now();
}
