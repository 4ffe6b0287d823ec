import type { JsonObject } from '../credentials/suites/suite.js';
import { contentHash } from './hash.js';
import type { ProfileId } from '../core/ids.js';
import type { DescribedCredential } from './model.js';

/**
 * Registration-number credentials a notary issued, taken as they are (both profiles): each with
 * the ids of its subjects, which the participant / legal person must reference.
 */
export function notaryCredentials(vcs: JsonObject[] = []): { described: DescribedCredential; subjectIds: string[] }[] {
  return vcs.map((vc) => {
    const s = vc.credentialSubject;
    const subjectIds = (Array.isArray(s) ? s : [s])
      .map((x) => (x as JsonObject | undefined)?.id)
      .filter((id): id is string => typeof id === 'string');
    return {
      described: {
        id: String(vc.id ?? subjectIds[0]),
        kind: 'registration-number',
        subject: subjectIds[0] ?? '',
        clearingHouse: true,
        contentHash: contentHash(vc),
        credential: vc,
      },
      subjectIds,
    };
  });
}

/**
 * A credential another issuer (a Gaia-X notary) secured: published as exactly these bytes — never
 * versioned, given a status entry or signed by the gateway.
 */
export interface IssuedCredential {
  /** The credential as JSON (a VC-JWT's payload without its JWT claims): what the set is validated with. */
  credential: JsonObject;
  body: string;
  mediaType: string;
  /** The verification method its proof names. */
  signedWith: string | null;
}

/** One run's requests: its signal, and the notaries that did not answer it (not asked again in this run). */
export interface NotaryRun {
  signal?: AbortSignal;
  unavailable: Map<string, string>;
}

/**
 * The Gaia-X notary as a run sees it (src/publish/notary.ts): a registration number the provider
 * describes is sent to it, and the registration-number credential it issues — for the id the run
 * chose, about the subject the legal person references — replaces the self-described one.
 */
export interface RegistrationNotary {
  /** Whether it issues this described registration-number credential (`local` numbers it does not). */
  takes(profile: ProfileId, described: DescribedCredential): boolean;
  /**
   * The notary's credential for `vcid` about `described.subject`, verified (issuer, signature,
   * subject, number). Throws with a message for the run record when no notary issued it.
   */
  issue(profile: ProfileId, described: DescribedCredential, vcid: string, run?: NotaryRun): Promise<IssuedCredential>;
  /** A notary's credential is renewed this long before it expires. */
  readonly renewBeforeMs: number;
}
