import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type { ProviderConfig } from '../config/schema.js';
import { GatewayError } from '../core/errors.js';
import type { JsonObject, ProfileId } from '../core/ids.js';
import type { Canonizer } from '../credentials/canonize.js';
import { validUntilOf } from '../credentials/secured.js';
import type { DescribedSet } from '../describe/model.js';
import type { NotaryRun, RegistrationNotary } from '../describe/notary.js';
import { catalogueDeliveries } from '../publish/deliveries.js';
import {
  cloudLease,
  issuedElsewhere,
  type Cloud,
  type CredentialRow,
  type Publication,
  type Run,
  type Store,
} from '../store/store.js';
import type { SourcesSpec } from './introspect.js';
import { nextVersion, planProfile, unchangedPlan, type NotaryOutcome, type ProfilePlan } from './plan.js';
import { draftProfile, signProfile, type RunnerSigner } from './publication.js';
import { runPipeline, type RunResult } from './run.js';
import type { SourcePolicy } from './source-policy.js';
import type { SetValidator } from './validate-in-worker.js';

export type { RunnerSigner } from './publication.js';

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

export interface RunOptions {
  signal?: AbortSignal;
  actor?: string;
  /** What caused the run (the events of an event run), kept in its summary as `cause`. */
  cause?: object;
}

export const leaseName = cloudLease;

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
  async run(cloudId: string, trigger: string, opts: RunOptions = {}): Promise<RunOutcome> {
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
    opts: RunOptions = {},
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
      run = await store.runs.start({
        id: randomUUID(),
        cloud_id: cloudId,
        trigger,
        holder: this.holder,
        ...(opts.cause ? { summary: JSON.stringify({ cause: opts.cause }) } : {}),
      });
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

  /** A run's stages: introspect, describe and plan, validate and sign (or hold), then commit. */
  private async execute(
    cloud: Cloud,
    run: Run,
    actor: string,
    signal: AbortSignal | undefined,
    lost: () => boolean,
  ): Promise<void> {
    const { signer, baseUrl } = this.deps;
    const profiles = JSON.parse(cloud.profiles) as ProfileId[];
    const { spec, env, baseDir, policy } = await this.deps.resolveSources(cloud);
    const issued = new Date().toISOString().replace(/\.\d{3}Z$/, 'Z');
    const plans = new Map<ProfileId, ProfilePlan>();
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
        const planned = await this.plan(cloud.id, profile, set, notaryRun);
        plans.set(profile, planned.plan);
        // Exactly what is published (nothing new, changed, gone or drafted anew): validated when
        // it was signed, so a re-run of an unchanged cloud validates nothing.
        return { set: planned.set, sign: planned.sign, published: unchangedPlan(planned.plan) };
      },
    });
    const pub = await this.settle(cloud, run, result, plans, { actor, issued });
    if (signal?.aborted) throw new GatewayError('the gateway is stopping', 'unavailable');
    if (lost()) throw new GatewayError('the run lost its lease (another instance took the cloud over)', 'conflict');
    await this.commit(pub.publication, pub.stages, pub.published);
  }

  /** The run's one Publication: every profile's drafts or signed versions, revocations and status lists. */
  private async settle(
    cloud: Cloud,
    run: Run,
    result: RunResult,
    plans: Map<ProfileId, ProfilePlan>,
    opts: { actor: string; issued: string },
  ): Promise<{ publication: Publication; stages: Record<string, unknown>; published: number }> {
    const { inventory } = result;
    const complete = inventory.sources.every((s) => s.status === 'ok');
    run.inventory_hash = inventory.contentHash;
    run.provenance = JSON.stringify(
      inventory.sources.map((s) => ({ source: s.id, status: s.status, errors: s.errors, warnings: s.warnings })),
    );
    const stages = runStages(result, complete, this.deps.approval ?? false);
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
    const ctx = { runId: run.id, at, issued: opts.issued, complete, signer: this.deps.signer };
    const summary: Record<string, unknown> = {};
    const problems: string[] = [];
    let published = 0;
    for (const p of result.profiles) {
      const plan = plans.get(p.profile)!;
      const s = profileSummary(p, plan);
      summary[p.profile] = s;
      problems.push(...plan.notes.map((n) => `${p.profile}: ${n}`));
      if (p.refused) {
        problems.push(`${p.profile}: ${p.refused}; nothing signed`);
        continue;
      }
      const settled = this.deps.approval ? draftProfile(p, plan, pub, ctx) : await signProfile(p, plan, pub, ctx);
      Object.assign(s, settled.summary);
      problems.push(...settled.problems);
      published += settled.published;
    }
    pub.outbox = catalogueDeliveries(this.deps.catalogueTargets ?? [], {
      cloud: cloud.id,
      added: pub.add.filter((a) => a.state === 'published'),
      removed: [...pub.supersede.map((x) => x.id), ...pub.revoke],
      ldOnly: this.deps.ldOnlyTargets ?? [],
    });
    const refusedAll = result.profiles.every((p) => p.refused);
    pub.run.state = refusedAll ? 'failed' : !complete || problems.length ? 'partial' : 'succeeded';
    stages.publish = { status: refusedAll ? 'skipped' : 'ok' };
    const { cause } = JSON.parse(run.summary || '{}') as { cause?: unknown };
    pub.run.summary = JSON.stringify({ ...summary, notes: problems, ...(cause ? { cause } : {}) });
    pub.run.error = problems.length ? problems.join('; ') : null;
    pub.audit.push({
      at,
      actor: opts.actor,
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
    return { publication: pub, stages, published };
  }

  /** Everything the run changes in one transaction, under its lease; then its stage record with the commit's time. */
  private async commit(pub: Publication, stages: Record<string, unknown>, published: number): Promise<void> {
    const { store } = this.deps;
    const t0 = performance.now();
    pub.run.stages = JSON.stringify(stages);
    await store.runs.publish(pub, { name: leaseName(pub.cloudId), holder: this.holder, ttlMs: this.deps.leaseMs });
    stages.publish = { ...(stages.publish as object), ms: Math.round(performance.now() - t0) };
    await store.runs.recordStages(pub.runId, JSON.stringify(stages));
    this.deps.log?.info(
      { cloud: pub.cloudId, run: pub.runId, state: pub.run.state, published, revoked: pub.revoke.length },
      'run finished',
    );
  }

  /** What the store knows of a profile, read for its plan; the notary asked; then the pure plan. */
  private async plan(
    cloudId: string,
    profile: ProfileId,
    set: DescribedSet,
    notaryRun: NotaryRun,
  ): Promise<{ set: DescribedSet; sign: Set<string>; plan: ProfilePlan }> {
    const { store } = this.deps;
    const current = await store.credentials.published(cloudId, profile);
    const versions = await store.credentials.lastVersions(set.credentials.map((c) => c.id));
    const lists = await store.statusLists.of(cloudId, profile);
    const states: CredentialRow['state'][] = this.deps.approval ? ['draft', 'rejected'] : ['draft'];
    const earlier = await store.drafts.list({ cloud: cloudId, profile, states });
    const asked = this.deps.notary
      ? await this.askNotary(profile, set, current, versions, notaryRun)
      : { outcomes: new Map<string, NotaryOutcome>(), notes: [] };
    return planProfile({
      cloudId,
      profile,
      set,
      current,
      versions,
      lists,
      earlier,
      approval: this.deps.approval ?? false,
      withEntries: !this.deps.noStatus?.includes(profile),
      statusListSize: this.deps.statusListSize ?? 131072,
      baseUrl: this.deps.baseUrl,
      notary: asked.outcomes,
      notes: asked.notes,
      now: Date.now(),
    });
  }

  /**
   * Registration numbers a notary issues: a current credential is kept while valid and not due for
   * renewal; otherwise the notary is asked for the next version's id. When no notary issues it, the
   * current notary credential is kept while it is valid, else the self-described one stands: a
   * notary's outage or refusal loses nothing and is noted for the operator.
   */
  private async askNotary(
    profile: ProfileId,
    set: DescribedSet,
    published: CredentialRow[],
    versions: Map<string, number>,
    run: NotaryRun,
  ): Promise<{ outcomes: Map<string, NotaryOutcome>; notes: string[] }> {
    const notary = this.deps.notary!;
    const current = new Map(published.map((r) => [r.base_id, r]));
    const outcomes = new Map<string, NotaryOutcome>();
    const notes: string[] = [];
    for (const c of set.credentials) {
      if (!notary.takes(profile, c)) continue;
      const now = Date.now();
      const cur = current.get(c.id);
      const held = cur && issuedElsewhere(cur) && cur.content_hash === c.contentHash ? cur : undefined;
      const until = held ? (validUntilOf(held.body)?.getTime() ?? Infinity) : 0;
      if (held && until - notary.renewBeforeMs > now) {
        outcomes.set(c.id, { keep: held });
        continue;
      }
      const { version, id } = nextVersion(versions, c.id);
      try {
        outcomes.set(c.id, { issued: await notary.issue(profile, c, id, run), id, version });
      } catch (err) {
        if (run.signal?.aborted) throw err;
        const message = (err as Error).message;
        if (held && until > now) {
          notes.push(
            `${c.id}: the notary's credential was not renewed (${message}); the current one is valid until ${new Date(until).toISOString()}`,
          );
          outcomes.set(c.id, { keep: held });
        } else {
          notes.push(
            `${c.id}: no notary credential (${message}); the self-described registration number stands until a notary issues one`,
          );
          outcomes.set(c.id, { self: true });
        }
      }
    }
    return { outcomes, notes };
  }
}

/** The stage record of a run before its commit. */
function runStages(result: RunResult, complete: boolean, approval: boolean): Record<string, unknown> {
  const { inventory, timings } = result;
  const same = result.profiles.filter((p) => p.unchanged).map((p) => p.profile);
  return {
    introspect: {
      status: complete ? 'ok' : inventory.sources.some((s) => s.status === 'ok') ? 'partial' : 'failed',
      ms: timings.introspectMs,
    },
    describeValidate: {
      status: 'ok',
      ms: timings.describeValidateMs,
      // Profiles whose described set is exactly what is published: validated when signed, not again.
      ...(same.length ? { unchanged: same } : {}),
    },
    sign: approval
      ? { status: 'held', detail: 'signing.mode approval: drafts wait for an officer' }
      : { status: 'ok', ms: timings.signMs },
  };
}

/** A profile's part of the run summary: what was described, what no source could read, the notary, the gate. */
function profileSummary(p: RunResult['profiles'][number], plan: ProfilePlan): Record<string, unknown> {
  const s: Record<string, unknown> = {
    described: p.set.credentials.length,
    unchanged: plan.unchanged,
    warnings: p.set.warnings.length,
  };
  // What no source could read this run: neither described anew nor removed (and why).
  if (p.set.unknown.length)
    s.unknown = [
      ...new Set(
        p.set.unknown.map((u) => `${u.source}: ${u.kind}${u.region ? ` of ${u.region}` : ''} unknown (${u.reason})`),
      ),
    ];
  if (plan.notes.length) s.notary = plan.notes;
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
  }
  return s;
}
