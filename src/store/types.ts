import type { Selectable } from 'kysely';
import type {
  ApiTokensTable,
  AuditTable,
  CloudsTable,
  ComplianceTable,
  CredentialState,
  CredentialsTable,
  EventsTable,
  OfficerKeysTable,
  OutboxTable,
  RunsTable,
  StatusListsTable,
} from './schema.js';

// The store's row types and what the repositories take and give.
export type Cloud = CloudsTable;
export type Run = RunsTable;
export type CredentialRow = CredentialsTable;
export type StatusListRow = StatusListsTable;
export type EventRow = Selectable<EventsTable>;
export type AuditRow = Omit<AuditTable, 'seq'> & { seq: number };
export type ApiTokenRow = ApiTokensTable;
export type ComplianceRow = ComplianceTable;
/** A published credential's bytes and what presenting it needs (its subject types, the key that signed it). */
export type PublishedBody = Pick<CredentialsTable, 'id' | 'body' | 'media_type' | 'types' | 'signed_with'>;
export type OutboxRow = Omit<OutboxTable, 'seq'> & { seq: number };
/** Per outbox target: backlog, dead letters, oldest pending item, last delivery. */
export interface OutboxTargetStats {
  target: string;
  pending: number;
  dead: number;
  oldestPending: string | null;
  lastDelivered: string | null;
}
/** An item for the outbox, written with the change that causes it. */
export type NewOutboxItem = Pick<OutboxTable, 'id' | 'target' | 'action' | 'subject' | 'payload'>;
export type OfficerKeyRow = OfficerKeysTable;

/** Whether a credential has a slot in one of our status lists (a notary's credential has none). */
export const hasOwnStatus = (row: Pick<CredentialRow, 'status_index'>): boolean => row.status_index >= 0;

/**
 * The status index of a credential without a slot in our lists: one another issuer secured (a
 * notary's, ISSUED_ELSEWHERE) or one of ours its profile gives no credentialStatus (NO_STATUS, see
 * signing.credentialStatus). Its status_list is its own id, so the slot's uniqueness holds.
 */
export const ISSUED_ELSEWHERE = -1;
export const NO_STATUS = -2;

/** A credential another issuer secured (a notary's): published as its bytes, never signed by us. */
export const issuedElsewhere = (row: Pick<CredentialRow, 'status_index'>): boolean =>
  row.status_index === ISSUED_ELSEWHERE;

export const cloudLease = (cloudId: string): string => `cloud:${cloudId}`;

/** A new version as a run writes it (published, or a draft in approval mode). */
export type NewVersion = Omit<
  CredentialRow,
  | 'superseded_at'
  | 'superseded_by'
  | 'revoked_at'
  | 'decided_by'
  | 'decided_at'
  | 'reason'
  | 'signed_with'
  | 'revocation_proposed'
> & { signed_with?: string | null };

/** What officers decide at once, written in one transaction (all or nothing). */
export interface Decision {
  cloudId: string;
  at: string;
  actor: string;
  /** Drafts signed now: their bytes, and the published version each replaces. */
  approve: { id: string; body: string; media_type: string; signed_with: string; supersedes?: string }[];
  reject: { id: string; reason: string }[];
  revoke: { id: string; reason: string }[];
  /** Status lists as they stand after the decision (re-signed where bits changed). */
  statusLists: StatusListRow[];
  audit: Omit<AuditRow, 'seq'>[];
  /** Deliveries the decision causes: written in the same transaction. */
  outbox?: NewOutboxItem[];
}

export interface ListFilter {
  type?: string;
  kind?: string;
  profile?: string;
  state?: CredentialState;
  cloud?: string;
  /** Only credentials whose state changed at or after this time (ISO). */
  changedSince?: string;
  clearingHouse?: boolean;
  /** After this (updated_at, id) position: the listing's cursor. */
  after?: { updatedAt: string; id: string };
  limit: number;
}

/** What one run publishes, written in one transaction (all or nothing). */
export interface Publication {
  runId: string;
  cloudId: string;
  at: string;
  /** New versions, signed, with their exact bytes (or drafts, unsigned, in approval mode). */
  add: NewVersion[];
  /** Drafts of earlier runs a newer draft (or the published state) replaces: marked obsolete. */
  obsolete?: { id: string; by: string | null }[];
  /** Approval mode: per profile, the published versions whose resource vanished (proposed for revocation). */
  proposals?: { profile: string; ids: string[] }[];
  /** Deliveries this change causes (clearing houses, catalogues): written in the same transaction. */
  outbox?: NewOutboxItem[];
  /** Versions the new ones replace: old id → new id. */
  supersede: { id: string; by: string }[];
  /** Versions whose resource vanished after a complete introspection. */
  revoke: string[];
  /** Status lists as they stand after this run (bits and the re-signed credential). */
  statusLists: StatusListRow[];
  inventory?: { hash: string; body: string };
  run: Pick<Run, 'state' | 'finished_at' | 'stages' | 'provenance' | 'error' | 'inventory_hash' | 'summary'>;
  audit: Omit<AuditRow, 'seq'>[];
}
