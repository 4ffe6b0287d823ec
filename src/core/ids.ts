/** The Gaia-X releases gx-gateway describes and validates for. */
export type ProfileId = 'gaia-x-25.11' | 'tagus-22.10';
export const PROFILES: readonly ProfileId[] = ['gaia-x-25.11', 'tagus-22.10'];

/** The signing suites (see src/credentials/suites/). */
export type SuiteId = 'jws2020' | 'jws2020-ccg' | 'ed25519-2020' | 'eddsa-rdfc-2022' | 'vc-jose';
export const SUITE_IDS: readonly SuiteId[] = ['jws2020', 'jws2020-ccg', 'ed25519-2020', 'eddsa-rdfc-2022', 'vc-jose'];

/** Key types a gateway key can have. */
export type KeyType = 'Ed25519' | 'P-256' | 'RSA';
export const KEY_TYPES: readonly KeyType[] = ['Ed25519', 'P-256', 'RSA'];

/** A JSON object (credentials, presentations, documents). */
export type JsonObject = Record<string, unknown>;
