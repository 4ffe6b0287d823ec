import { GatewayError } from '../core/errors.js';
import type { ProfileId } from '../core/ids.js';
import type { Canonizer } from '../credentials/canonize.js';
import { describe } from '../describe/describe.js';
import type { DescribeContext, DescribedSet } from '../describe/model.js';
import type { Inventory } from '../inventory/model.js';
import type { ValidationReport } from '../validate/report.js';
import { validateCredentials } from '../validate/validate.js';
import type { SetValidator } from './validate-in-worker.js';

export interface DescribeStageOptions extends DescribeContext {
  canonizer: Canonizer;
  strict?: boolean;
  /** Most credentials one set may hold (limits.maxSetCredentials). */
  maxSetCredentials?: number;
  onProgress?: (done: number, total: number, phase: string) => void;
  /**
   * Between describe and validate: the service gives each credential its versioned id and status
   * entry here, so what is validated is exactly what is signed. `published`: the set is exactly
   * what is published already (every credential unchanged, nothing gone), validated when it was
   * signed: it is not validated again.
   */
  prepare?: (set: DescribedSet) => Promise<{ set: DescribedSet; published?: boolean }>;
  /** Validate somewhere else (the service: a worker thread); in-process when omitted. */
  validate?: SetValidator;
}

export interface DescribeStageResult {
  set: DescribedSet;
  /** One report per credential of the set, in its order. */
  reports: ValidationReport[];
  /** The reports that do not conform: the sign gate refuses the set when there is any. */
  failed: ValidationReport[];
  /** The set is what is published already: not validated again (its reports are empty). */
  unchanged?: boolean;
}

/**
 * The describe and validate stages: an inventory mapped to the profile's credentials, validated as
 * one graph (as a clearing house validates a presentation). Nothing is signed or written here;
 * callers write or sign only when `failed` is empty.
 */
export async function describeAndValidate(
  inventory: Inventory,
  profile: ProfileId,
  opts: DescribeStageOptions,
): Promise<DescribeStageResult> {
  const { canonizer, strict, maxSetCredentials, onProgress, prepare, validate, ...ctx } = opts;
  let set = describe(inventory, profile, ctx);
  if (maxSetCredentials !== undefined && set.credentials.length > maxSetCredentials) {
    throw new GatewayError(
      `the inventory describes ${set.credentials.length} credentials, more than the limit of ${maxSetCredentials} (limits.maxSetCredentials)`,
      'too-large',
    );
  }
  if (prepare) {
    const prepared = await prepare(set);
    set = prepared.set;
    // Nothing to sign and nothing gone: what is published was validated as this very set.
    if (prepared.published)
      return {
        set,
        reports: set.credentials.map((c) => ({
          subject: c.id,
          profile,
          conforms: true,
          strict: Boolean(strict),
          results: [],
        })),
        failed: [],
        unchanged: true,
      };
  }
  const members = set.credentials.map((c) => ({ credential: c.credential, subject: c.id }));
  const reports = validate
    ? await validate(members, { profile, strict: Boolean(strict) })
    : await validateCredentials(members, {
        canonizer,
        profile,
        strict: Boolean(strict),
        ...(onProgress ? { onProgress } : {}),
      });
  return { set, reports, failed: reports.filter((r) => !r.conforms) };
}
