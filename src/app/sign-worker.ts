// A signing thread of the pool (sign-pool.ts): the gateway's credential service over the same key
// folder, signing slices of validated sets. Keys created or rotated after the thread started are
// seen at the next slice (the folder's stamp).
import { workerData } from 'node:worker_threads';
import type { LoadedConfig } from '../config/schema.js';
import { KeyStore, type KeyStoreOptions } from '../credentials/keys/keystore.js';
import type { JsonObject, Secured, SuiteId } from '../credentials/suites/suite.js';
import { CredentialService } from './credential-service.js';

export interface SignSlice {
  credentials: JsonObject[];
  suite: SuiteId;
  keyId: string;
  /** The proofs' creation time (ISO), when the set has one. */
  created?: string;
}

const setup = workerData as { loaded: LoadedConfig; keys: { dir: string; options: KeyStoreOptions } };
// The thread signs here; it starts no pool of its own.
const loaded: LoadedConfig = {
  ...setup.loaded,
  config: { ...setup.loaded.config, signing: { ...setup.loaded.config.signing, workers: 0 } },
};
const service = new CredentialService(loaded, KeyStore.open(setup.keys.dir, setup.keys.options));

export default async function sign(slice: SignSlice): Promise<Secured[]> {
  service.keys.stamp();
  return service.signValidated(slice.credentials, {
    suite: slice.suite,
    keyId: slice.keyId,
    ...(slice.created ? { created: new Date(slice.created) } : {}),
    // The set was checked for expiry by the caller, at its own time.
    allowExpired: true,
  });
}
