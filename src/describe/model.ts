import type { UnknownEntry } from './unknown.js';
import type { ProviderConfig } from '../config/schema.js';
import type { JsonObject } from '../credentials/suites/suite.js';
import type { Inventory } from '../inventory/model.js';
import type { ProfileId } from '../validate/shapes.js';

/** What a credential describes, for people, the manifest and the diff. */
export type CredentialKind =
  | 'legal-person'
  | 'registration-number'
  | 'issuer'
  | 'terms-and-conditions'
  | 'region'
  | 'availability-zone'
  | 'datacenter'
  | 'server-flavor'
  | 'vm-image'
  | 'compute-offering'
  | 'block-storage-offering'
  | 'network-offering'
  | 'object-storage-offering'
  | 'container-offering'
  | 'service-offering'
  | 'scs-facts';

/** One unsigned credential gx-gateway publishes, with what it is about. */
export interface DescribedCredential {
  /** The credential id (an IRI under the provider's public base URL, stable across runs). */
  id: string;
  kind: CredentialKind;
  /** The IRI of the credential subject. */
  subject: string;
  /**
   * False for our own `scs` facts: clearing houses reject credential-subject types their registry
   * does not list, so these go to catalogues only.
   */
  clearingHouse: boolean;
  /** sha256 of the RFC 8785 form of the credential without validity dates and proof. */
  contentHash: string;
  credential: JsonObject;
}

export interface DescribedSet {
  profile: ProfileId;
  /** The inventory it was made from. */
  inventoryHash: string;
  credentials: DescribedCredential[];
  /** What could not be described, and why (missing data the shapes require, unknown values). */
  warnings: string[];
  /** Parts of the cloud a source could not read: unknown, neither described nor to be removed. */
  unknown: UnknownEntry[];
  /** Credentials described from incomplete data and therefore held back (ids). */
  withheld: string[];
}

export interface DescribeContext {
  provider: ProviderConfig;
  /** The provider's public base URL (no trailing slash): every IRI lives under it. */
  baseUrl: string;
  /** The issuer DID. */
  issuer: string;
  /** Validity start (ISO date-time); VC 1.1 needs one, VC 2.0 leaves it to signing when absent. */
  issued?: string;
  /** Registration-number credentials a notary issued, used as they are instead of self-described ones. */
  registrationNumberCredentials?: JsonObject[];
}

/** A Gaia-X profile: one module per release, this one small interface. */
export interface DescribeProfile {
  readonly id: ProfileId;
  describe(inventory: Inventory, ctx: DescribeContext): Pick<DescribedSet, 'credentials' | 'warnings'>;
}
