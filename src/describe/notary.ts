import type { JsonObject } from '../credentials/suites/suite.js';
import { contentHash } from './hash.js';
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
