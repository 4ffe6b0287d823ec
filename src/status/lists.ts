import type { JsonObject, ProfileId } from '../core/ids.js';
import { type Bitstring } from './bitstring.js';

/**
 * Status lists as each profile's data model has them: the W3C Bitstring Status List for VC 2.0
 * (Gaia-X 25.11), StatusList2021 for VC 1.1 (Tagus 22.10). Both contexts are bundled.
 */
export const STATUS_LIST_2021_CONTEXT = 'https://w3id.org/vc/status-list/2021/v1';
export const VC1_CONTEXT = 'https://www.w3.org/2018/credentials/v1';
export const VC2_CONTEXT = 'https://www.w3.org/ns/credentials/v2';

export type StatusPurpose = 'revocation';

/** The release segment a profile's URLs carry. */
export const releaseOf = (profile: ProfileId): string => (profile === 'tagus-22.10' ? '22.10' : '25.11');

/** The URL of a cloud's status list number `n` for a profile. */
export function statusListUrl(
  baseUrl: string,
  cloudId: string,
  profile: ProfileId,
  purpose: StatusPurpose,
  n: number,
): string {
  return `${baseUrl}/status/${encodeURIComponent(cloudId)}/${releaseOf(profile)}/${purpose}/${n}`;
}

/** The `credentialStatus` entry pointing at one bit of a list. */
export function statusEntry(profile: ProfileId, listUrl: string, index: number, purpose: StatusPurpose): JsonObject {
  return {
    id: `${listUrl}#${index}`,
    type: profile === 'tagus-22.10' ? 'StatusList2021Entry' : 'BitstringStatusListEntry',
    statusPurpose: purpose,
    statusListIndex: String(index),
    statusListCredential: listUrl,
  };
}

/** A credential with its status entry (and, for VC 1.1, the StatusList2021 context). */
export function withStatus(credential: JsonObject, profile: ProfileId, entry: JsonObject): JsonObject {
  const out: JsonObject = { ...credential, credentialStatus: entry };
  if (profile === 'tagus-22.10') {
    const ctx = ([] as unknown[]).concat(credential['@context'] ?? []);
    if (!ctx.includes(STATUS_LIST_2021_CONTEXT)) out['@context'] = [...ctx, STATUS_LIST_2021_CONTEXT] as unknown[];
  }
  return out;
}

/** The unsigned status list credential for a list's bits. */
export function statusListCredential(args: {
  profile: ProfileId;
  url: string;
  issuer: string;
  issued: string;
  purpose: StatusPurpose;
  bits: Bitstring;
}): JsonObject {
  const { profile, url, issuer, issued, purpose, bits } = args;
  if (profile === 'tagus-22.10')
    return {
      '@context': [VC1_CONTEXT, STATUS_LIST_2021_CONTEXT],
      id: url,
      type: ['VerifiableCredential', 'StatusList2021Credential'],
      issuer,
      issuanceDate: issued,
      credentialSubject: {
        id: `${url}#list`,
        type: 'StatusList2021',
        statusPurpose: purpose,
        encodedList: bits.encode(),
      },
    };
  return {
    '@context': [VC2_CONTEXT],
    id: url,
    type: ['VerifiableCredential', 'BitstringStatusListCredential'],
    issuer,
    validFrom: issued,
    credentialSubject: {
      id: `${url}#list`,
      type: 'BitstringStatusList',
      statusPurpose: purpose,
      encodedList: bits.encodeMultibase(),
    },
  };
}
