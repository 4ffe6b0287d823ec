import type { ColumnType, Generated } from 'kysely';

/**
 * The gateway's tables, as kysely sees them. Times are ISO 8601 UTC text (they sort as they
 * compare); JSON columns are text; booleans are 0/1 (the same on SQLite and PostgreSQL).
 */
export interface Database {
  clouds: CloudsTable;
  runs: RunsTable;
  leases: LeasesTable;
  hook_deliveries: HookDeliveriesTable;
  inventories: InventoriesTable;
  credentials: CredentialsTable;
  events: EventsTable;
  status_lists: StatusListsTable;
  audit: AuditTable;
  keys: KeysTable;
  api_tokens: ApiTokensTable;
  officer_keys: OfficerKeysTable;
  sessions: SessionsTable;
  oidc_logins: OidcLoginsTable;
  outbox: OutboxTable;
  catalogue_entries: CatalogueEntriesTable;
  compliance: ComplianceTable;
  credential_types: CredentialTypesTable;
}

export interface CloudsTable {
  id: string;
  name: string;
  /** JSON: where the sources are (a SourcesSpec, or {"demo": true}); never secrets. */
  sources: string;
  /** JSON array of profile ids. */
  profiles: string;
  interval_seconds: number;
  enabled: number;
  created_at: string;
  updated_at: string;
}

export type RunState = 'running' | 'succeeded' | 'partial' | 'failed' | 'abandoned';

export interface RunsTable {
  id: string;
  cloud_id: string;
  trigger: string;
  state: RunState;
  holder: string;
  started_at: string;
  finished_at: string | null;
  /** JSON: per stage { status, ms, detail }. */
  stages: string;
  /** JSON: per source { source, status, error }. */
  provenance: string;
  error: string | null;
  inventory_hash: string | null;
  /** JSON: counts (published, unchanged, superseded, revoked, held) and notes. */
  summary: string;
}

export interface LeasesTable {
  name: string;
  holder: string;
  expires_at: string;
}

/** Webhook deliveries accepted (by the digest of their signed body): a replay is refused. */
export interface HookDeliveriesTable {
  digest: string;
  cloud_id: string;
  received_at: string;
}

export interface InventoriesTable {
  hash: string;
  cloud_id: string;
  created_at: string;
  body: string;
}

/**
 * `draft`: validated, waiting for an officer (signing.mode approval); `rejected`: an officer said no;
 * `obsolete`: a newer run drafted this resource again before anyone decided. The public API serves
 * only `published`, `superseded` and `revoked`.
 */
export type CredentialState = 'draft' | 'rejected' | 'obsolete' | 'published' | 'superseded' | 'revoked';
export const PUBLIC_STATES = ['published', 'superseded', 'revoked'] as const;

/** One row per (type, credential), in the listing's order: kept by triggers (migration 0008). */
export interface CredentialTypesTable {
  type: string;
  updated_at: string;
  credential_id: string;
}

export interface CredentialsTable {
  /** The version's own id (URL): `<base id>/v/<version>`. */
  id: string;
  /** The IRI describe mints for the resource, stable across versions. */
  base_id: string;
  version: number;
  cloud_id: string;
  profile: string;
  kind: string;
  subject: string;
  /** JSON array of the subject's types. */
  types: string;
  clearing_house: number;
  content_hash: string;
  state: CredentialState;
  media_type: string;
  /** The exact bytes served (a JSON-LD document with its proof, or a compact JWS). */
  body: string;
  /**
   * Its slot in one of our status lists; a credential another issuer secured (a notary's) has none:
   * its own id and index -1, and one of a profile without status entries its own id and -2 (see
   * hasOwnStatus, ISSUED_ELSEWHERE, NO_STATUS).
   */
  status_list: string;
  status_index: number;
  run_id: string;
  created_at: string;
  published_at: string | null;
  superseded_at: string | null;
  superseded_by: string | null;
  revoked_at: string | null;
  /** Last change of state: the listing's `changedSince` filter. */
  updated_at: string;
  /** Who approved, rejected or revoked it (a principal's name), when, and why (rejections, revocations). */
  decided_by: string | null;
  decided_at: string | null;
  reason: string | null;
  /** The verification method its proof names (`did:web:…#key`). */
  signed_with: string | null;
  /** A published version whose resource a run in approval mode no longer saw: that run's id. */
  revocation_proposed: string | null;
}

export type EventType = 'published' | 'superseded' | 'revoked' | 'expired';

export interface EventsTable {
  seq: Generated<number>;
  at: string;
  type: EventType;
  credential_id: string;
  base_id: string;
  cloud_id: string;
  profile: string;
  /** The run that published it (null: an officer's decision, a clearing house's answer, or before 0009). */
  run_id: ColumnType<string | null, string | null | undefined, string | null>;
}

export interface StatusListsTable {
  /** The status list credential's URL. */
  id: string;
  cloud_id: string;
  profile: string;
  purpose: string;
  size: number;
  next_index: number;
  /** The raw bitstring, base64. */
  bits: string;
  /** The signed status list credential, exactly as served. */
  body: string;
  media_type: string;
  updated_at: string;
}

export interface AuditTable {
  seq: Generated<number>;
  at: string;
  /** Who or what: `scheduler`, `admin`, `startup`, a token's name. */
  actor: string;
  action: string;
  target: string;
  /** JSON. */
  detail: string;
}

export interface KeysTable {
  id: string;
  type: string;
  alg: string;
  active: number;
  has_chain: number;
  created: string;
  seen_at: string;
}

export interface ApiTokensTable {
  id: string;
  name: string;
  /** sha256 (hex) of the token; the token itself is shown once, never stored. */
  sha256: string;
  /** JSON array of roles. */
  roles: string;
  created_at: string;
  created_by: string;
  revoked_at: string | null;
}

export interface OfficerKeysTable {
  /** The key's id: its verification method is `<did>#<id>`. */
  id: string;
  officer: string;
  type: string;
  alg: string;
  /** The public JWK (JSON). */
  jwk: string;
  /** X.509 chain (PEM, leaf first), served at the key's x5u URL. */
  chain_pem: string | null;
  added_at: string;
  added_by: string;
  removed_at: string | null;
}

export interface SessionsTable {
  /** sha256 of the session cookie's value. */
  id_sha256: string;
  /** JSON: the signed-in principal. */
  principal: string;
  csrf: string;
  created_at: string;
  expires_at: string;
}

export interface OidcLoginsTable {
  state: string;
  /** PKCE code verifier. */
  verifier: string;
  nonce: string;
  expires_at: string;
}

/**
 * `pending`: to deliver (from next_attempt_at, by whoever holds its lease); `delivered`; `dead`:
 * refused by the target or failed too often (an operator re-drives or drops it); `dropped`.
 */
export type OutboxState = 'pending' | 'delivered' | 'dead' | 'dropped';

export interface OutboxTable {
  /** Order of writing: each target's items are delivered in this order. */
  seq: Generated<number>;
  /** Unique and stable: the idempotency key the target sees. */
  id: string;
  target: string;
  /** What to do there: add, revoke, delete, register, … (the target's publisher knows). */
  action: string;
  /** What it is about (a credential id, a participant). */
  subject: string;
  /** JSON: what the publisher needs beyond the subject. */
  payload: string;
  state: OutboxState;
  attempts: number;
  next_attempt_at: string;
  last_error: string | null;
  /** The instance delivering it now, and until when. */
  holder: string | null;
  lease_until: string | null;
  created_at: string;
  delivered_at: string | null;
}

export interface CatalogueEntriesTable {
  target: string;
  credential_id: string;
  /** The catalogue's own reference: the 2025 API's SHA-256 hash, the 2026 API's IRI. */
  ref: string;
  /** active | revoked | deleted, as the catalogue last answered. */
  state: string;
  updated_at: string;
}

export type ComplianceState = 'issued' | 'replaced' | 'expired' | 'rejected';

export interface ComplianceTable {
  /** The compliance credential's id (`vcid`): where the gateway serves it. */
  id: string;
  cloud_id: string;
  profile: string;
  /** sha256 of the sorted ids of the credentials submitted. */
  set_hash: string;
  /** issued: the current one; replaced: a newer one covers the set; rejected: the clearing house refused the set. */
  state: ComplianceState;
  /** The configured name of the clearing house that answered. */
  clearing_house: string;
  /** The compliance credential exactly as received ('' for a refusal). */
  body: string;
  media_type: string;
  /** JSON array of the credential ids it covers (or that were refused). */
  covered: string;
  /** The clearing house's refusal, for people. */
  message: string | null;
  /** JSON array of the ids the clearing house gave what it issued, where they are not the id (a Tagus VP-JWT's VC-JWTs). */
  issued_ids: string;
  valid_until: string | null;
  created_at: string;
}
