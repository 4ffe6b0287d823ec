import type { ProfileId } from '../core/ids.js';
import type { Canonizer } from '../credentials/canonize.js';
import type { JsonObject, Secured } from '../credentials/suites/suite.js';
import type { DescribeContext } from '../describe/model.js';
import type { Inventory } from '../inventory/model.js';
import type { ValidationReport } from '../validate/report.js';
import { describeAndValidate, type DescribeStageResult } from './describe.js';
import { introspect, type IntrospectOptions, type SourcesSpec } from './introspect.js';

/** What the sign stage needs: the gateway's signer (the credential service provides it). */
export interface CredentialSigner {
  /**
   * Sign a set that belongs together; nothing is signed on a violation. `reports` are this set's
   * validation as one graph, so the signer need not validate it again.
   */
  signSet(credentials: JsonObject[], req?: { reports?: ValidationReport[] }): Promise<Secured[]>;
}

export interface RunOptions extends IntrospectOptions {
  profiles: ProfileId[];
  describe: Omit<DescribeContext, 'registrationNumberCredentials'> & { registrationNumberCredentials?: JsonObject[] };
  canonizer: Canonizer;
  strict?: boolean;
  maxSetCredentials?: number;
  /** Sign what conforms (omit: describe and validate only, e.g. for approval by an officer). */
  signer?: CredentialSigner;
}

export interface ProfileRun extends DescribeStageResult {
  profile: ProfileId;
  /** Signed credentials by id; empty when the gate refused the set or nothing was to be signed. */
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
  const inventory = await introspect(spec, opts);
  const t1 = performance.now();
  const profiles: ProfileRun[] = [];
  for (const profile of opts.profiles) {
    const stage = await describeAndValidate(inventory, profile, {
      ...opts.describe,
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
  if (opts.signer) {
    for (const run of profiles) {
      if (run.refused) continue;
      const secured = await opts.signer.signSet(
        run.set.credentials.map((c) => c.credential),
        { reports: run.reports },
      );
      run.set.credentials.forEach((c, i) => run.signed.set(c.id, secured[i]!));
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
