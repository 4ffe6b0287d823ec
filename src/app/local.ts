import { configPath } from '../config/load.js';
import type { LoadedConfig } from '../config/schema.js';
import { Approvals } from '../approval/approvals.js';
import { Store } from '../store/store.js';
import { complianceProfiles, type PublishSetup } from '../publish/plan.js';
import { COMPLIANCE_TARGET } from '../publish/deliveries.js';
import { DEMO_CATALOGUE, DEMO_CATALOGUE_2026, DEMO_CLEARING_HOUSE } from './peers.js';
import { CredentialService, type OfficerKey } from './credential-service.js';

export interface LocalGateway {
  store: Store;
  /** The configured publish targets over this store (`publish`, `compliance status`). */
  publish: PublishSetup;
  credentials: CredentialService;
  approvals: Approvals;
  close(): Promise<void>;
}

/** The officer keys of the store into the credential service (its DID document, signature checks). */
export async function syncOfficerKeys(store: Store, credentials: CredentialService): Promise<void> {
  credentials.setOfficerKeys(
    (await store.identities.officerKeys()).map((k) => ({
      id: k.id,
      type: k.type as OfficerKey['type'],
      alg: k.alg as OfficerKey['alg'],
      publicKeyJwk: JSON.parse(k.jwk) as OfficerKey['publicKeyJwk'],
      ...(k.chain_pem ? { chainPem: k.chain_pem } : {}),
    })),
  );
}

/**
 * The store and the officer's control without a server (the CLI against the store directly): the
 * same decisions, under the same cloud leases, as a running gateway makes; one running beside it
 * sees them at once (keys within seconds).
 */
export async function openLocalGateway(loaded: LoadedConfig): Promise<LocalGateway> {
  const { config } = loaded;
  const store = await Store.open({
    ...(config.database.url ? { url: config.database.url } : { file: configPath(loaded, config.database.file) }),
    poolSize: 2,
  });
  const credentials = CredentialService.open(loaded);
  try {
    await syncOfficerKeys(store, credentials);
  } catch (err) {
    await store.close();
    await credentials.close();
    throw err;
  }
  const approvals = new Approvals({
    store,
    signer: credentials,
    leaseMs: config.scheduler.leaseSeconds * 1000,
    defaultSuite: config.signing.defaultSuite,
    suites: config.signing.suites,
  });
  return {
    store,
    publish: publishSetup(loaded, store),
    credentials,
    approvals,
    async close() {
      await store.close();
      await credentials.close();
    },
  };
}

/**
 * The publish targets a configuration names, over a store: the catalogues, and the clearing houses as
 * one target (demo.peers: the demo's catalogue and clearing house, as `serve` configures them).
 */
export function publishSetup(loaded: LoadedConfig, store: Store): PublishSetup {
  const { publish, demo } = loaded.config;
  const peers = demo.peers && !publish.catalogues.length && !publish.clearingHouses.length;
  const catalogues = peers ? [DEMO_CATALOGUE, DEMO_CATALOGUE_2026] : publish.catalogues.map((c) => c.name);
  const houses: { name: string; tagusUrl?: string; loireUrl?: string }[] = peers
    ? [{ name: DEMO_CLEARING_HOUSE, tagusUrl: 'demo', loireUrl: 'demo' }]
    : publish.clearingHouses.filter((h) => h.tagusUrl || h.loireUrl);
  return {
    store,
    targets: [...catalogues, ...(houses.length ? [COMPLIANCE_TARGET] : [])],
    ldOnly: peers ? [DEMO_CATALOGUE] : publish.catalogues.filter((c) => c.api === '2025').map((c) => c.name),
    complianceProfiles: complianceProfiles(houses),
    renewBeforeMs: publish.compliance.renewBeforeDays * 86_400_000,
    clearingHouses: houses.map((h) => h.name),
  };
}
