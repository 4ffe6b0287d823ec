import { GatewayError } from '../core/errors.js';
import type { ProfileId } from '../core/ids.js';
import type { Canonizer } from '../credentials/canonize.js';
import type { JsonObject, Secured } from '../credentials/suites/suite.js';
import type { DescribeContext, DescribedSet } from '../describe/model.js';
import type { Inventory } from '../inventory/model.js';
import type { ValidationReport } from '../validate/report.js';
import { describeAndValidate, type DescribeStageResult } from './describe.js';
import type { SetValidator } from './validate-in-worker.js';
import { introspect, type IntrospectOptions, type SourcesSpec } from './introspect.js';

/** What the sign stage needs: the gateway's signer (the credential service provides it). */
export interface CredentialSigner {
  /**
   * Sign a set that belongs together; nothing is signed on a violation. `reports` are this set's
   * validation as one graph, so the signer need not validate it again.
   */
  signSet(credentials: JsonObject[], req?: { reports?: ValidationReport[]; profile?: ProfileId }): Promise<Secured[]>;
}

export interface RunOptions extends IntrospectOptions {
  profiles: ProfileId[];
  describe: Omit<DescribeContext, 'registrationNumberCredentials'> & { registrationNumberCredentials?: JsonObject[] };
  canonizer: Canonizer;
  strict?: boolean;
  maxSetCredentials?: number;
  /** Sign what conforms (omit: describe and validate only, e.g. for approval by an officer). */
  signer?: CredentialSigner;
  /**
   * Between describe and validate (see DescribeStageOptions.prepare); `sign` names the credentials
   * to sign (the changed ones), all when omitted.
   */
  /** Validate each set somewhere else (the service: a worker thread); in-process when omitted. */
  validate?: SetValidator;
  /** Stop between stages (graceful shutdown): the run ends with an error, nothing half done. */
  signal?: AbortSignal;
  prepare?: (
    profile: ProfileId,
    set: DescribedSet,
  ) => Promise<{ set: DescribedSet; sign?: Set<string>; published?: boolean }>;
}

export interface ProfileRun extends DescribeStageResult {
  profile: ProfileId;
  /** Signed credentials by id; empty when the gate refused the set or nothing was to be signed (only those `prepare` picked). */
  signed: Map<string, Secured>;
  /** Why nothing was signed, when the sign gate refused. */
  refused?: string;
}

export interface RunResult {
  inventory: Inventory;
  profiles: ProfileRun[];
  /** Stage timings in ms. */
  timings: { introspectMs: number; describeValidateMs: number; signMs: number };
}

/**
 * One pipeline run: introspect → describe → validate (the sign gate: a set with any violation is
 * signed not at all) → sign. The unit a scheduler, the CLI and the tests call; it writes nothing:
 * storing and publishing are the caller's.
 */
export async function runPipeline(spec: SourcesSpec, opts: RunOptions): Promise<RunResult> {
  const t0 = performance.now();
  const checkpoint = () => {
    if (opts.signal?.aborted)
      throw new GatewayError('the gateway is stopping: run abandoned between stages', 'unavailable');
  };
  const inventory = await introspect(spec, opts);
  const t1 = performance.now();
  checkpoint();
  const profiles: ProfileRun[] = [];
  const toSign = new Map<ProfileId, Set<string>>();
  for (const profile of opts.profiles) {
    const prepare = opts.prepare;
    const stage = await describeAndValidate(inventory, profile, {
      ...opts.describe,
      ...(opts.validate ? { validate: opts.validate } : {}),
      ...(prepare
        ? {
            prepare: async (set: DescribedSet) => {
              const prepared = await prepare(profile, set);
              if (prepared.sign) toSign.set(profile, prepared.sign);
              return { set: prepared.set, ...(prepared.published ? { published: true } : {}) };
            },
          }
        : {}),
      canonizer: opts.canonizer,
      ...(opts.strict !== undefined ? { strict: opts.strict } : {}),
      ...(opts.maxSetCredentials !== undefined ? { maxSetCredentials: opts.maxSetCredentials } : {}),
    });
    profiles.push({
      profile,
      ...stage,
      signed: new Map(),
      ...(stage.failed.length
        ? { refused: `${stage.failed.length} of ${stage.reports.length} credentials do not conform` }
        : {}),
    });
  }
  const t2 = performance.now();
  checkpoint();
  if (opts.signer) {
    for (const run of profiles) {
      if (run.refused) continue;
      const only = toSign.get(run.profile);
      const picked = run.set.credentials.flatMap((c, i) =>
        !only || only.has(c.id) ? [{ c, report: run.reports[i]! }] : [],
      );
      if (picked.length === 0) continue;
      const secured = await opts.signer.signSet(
        picked.map((p) => p.c.credential),
        { reports: picked.map((p) => p.report), profile: run.profile },
      );
      picked.forEach((p, i) => run.signed.set(p.c.id, secured[i]!));
    }
  }
  const t3 = performance.now();
  return {
    inventory,
    profiles,
    timings: {
      introspectMs: Math.round(t1 - t0),
      describeValidateMs: Math.round(t2 - t1),
      signMs: Math.round(t3 - t2),
    },
  };
}
