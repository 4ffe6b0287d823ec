import { createHash, randomBytes, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { configPath, isProductionBaseUrl } from '../config/load.js';
import type { LoadedConfig } from '../config/schema.js';
import { GatewayError } from '../core/errors.js';
import type { ProfileId } from '../core/ids.js';
import { startDemoCloud, type DemoCloud } from '../demo/cloud.js';
import { startFakeOidc, type FakeOidc } from '../demo/oidc.js';
import { publishToBroker, type OsloPublisher } from '../demo/oslo-publisher.js';
import { createMetrics } from '../http/metrics.js';
import type { ServicePort } from '../http/types.js';
import { buildSources, type SourcesSpec } from '../pipeline/introspect.js';
import { confineBroker, sourcePolicy } from '../pipeline/source-policy.js';
import { Scheduler } from '../pipeline/scheduler.js';
import { cloudEvents } from './cloud-events.js';
import { CloudRunner } from '../pipeline/runner.js';
import { workerValidator } from '../pipeline/validate-in-worker.js';
import { Store, type Cloud } from '../store/store.js';
import { compiledShapesFile } from '../validate/shapes.js';
import { Approvals } from '../approval/approvals.js';
import { httpsOrDevLoopback } from '../net/guard.js';
import { trustExtraCa } from '../net/tls.js';
import { parsePemChain } from '../credentials/x509.js';
import type { VerificationReport } from '../credentials/verify.js';
import { validUntilOf } from '../credentials/secured.js';
import { OutboxWorker } from '../publish/outbox.js';
import { CatalogueTokens, xfscPublisher } from '../publish/xfsc.js';
import { CompliancePublisher, resolverFor } from '../publish/compliance.js';
import { NotaryClient } from '../publish/notary.js';
import { credentialEventsPublisher, EVENTS_TARGET } from '../publish/events.js';
import type { Publisher } from '../publish/outbox.js';
import { COMPLIANCE_TARGET } from '../publish/deliveries.js';
import { complianceStatus, publishNow, publishPlan, registrationStatus } from '../publish/plan.js';
import {
  DEMO_CATALOGUE,
  DEMO_CATALOGUE_2026,
  DEMO_CLEARING_HOUSE,
  defaultPeerPorts,
  startDemoPeers,
  type DemoPeers,
} from './peers.js';
import type { CredentialService } from './credential-service.js';
import { publishSetup, syncOfficerKeys } from './local.js';
import { demoSources } from './demo.js';

export interface GatewayService extends ServicePort {
  scheduler?: Scheduler;
  demo?: DemoCloud;
  /** The demo identity provider (demo.identityProvider). */
  identityProvider?: FakeOidc;
  /** The demo peers (demo.peers). */
  peers?: DemoPeers;
  /** The clearing houses, when configured. */
  compliance?: CompliancePublisher;
  /** Queue a compliance request for every cloud that needs one now; how many were queued. */
  complianceSweep(): Promise<number>;
  /** Start the scheduler (once the server listens). */
  start(): void;
  /** Stop the scheduler (the current run finishes its stage or is abandoned), then the store. */
  close(): Promise<void>;
}

interface Log {
  info(o: object, m: string): void;
  warn(o: object, m: string): void;
  error(o: object, m: string): void;
}

/** PEM root certificates from files (relative to the configuration). */
function readAnchors(loaded: LoadedConfig, files: string[]): X509Certificate[] {
  return files.flatMap((f) => {
    const file = configPath(loaded, f);
    try {
      return parsePemChain(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new GatewayError(`cannot read the trust anchors in ${file}: ${(err as Error).message}`, 'bad-config');
    }
  });
}

/** A UUID named by a key (the same key, the same UUID): SHA-256 in the UUID layout, version 8. */
function nameUuid(key: string): string {
  const h = createHash('sha256').update(key).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-8${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** A failed verification report's problems, in one line. */
function problemsOf(report: VerificationReport): string {
  return [report, ...(report.credentials ?? [])]
    .flatMap((r) => r.checks.filter((c) => !c.ok).map((c) => `${r.id ? `${r.id}: ` : ''}${c.message ?? c.check}`))
    .join('; ');
}

/** The cloud rows the configuration names (`clouds`), registered at start. */
function configuredClouds(loaded: LoadedConfig): Omit<Cloud, 'created_at' | 'updated_at'>[] {
  return (loaded.config.clouds ?? []).map((c) => {
    if (!c.demo && !c.useSources)
      throw new GatewayError(
        `clouds.${c.id}: set demo: true (the demo cloud) or useSources: true (this configuration's sources); add other clouds through the API`,
        'bad-config',
      );
    if (c.demo && isProductionBaseUrl(loaded.config.publicBaseUrl))
      throw new GatewayError(
        `clouds.${c.id}: the demo cloud is for development only, not for ${loaded.config.publicBaseUrl}`,
        'bad-config',
      );
    return {
      id: c.id,
      name: c.name ?? c.id,
      sources: JSON.stringify(c.demo ? { demo: true } : { useSources: true }),
      profiles: JSON.stringify(c.profiles),
      interval_seconds: c.intervalSeconds,
      enabled: 1,
    };
  });
}

/**
 * The development operator token of the embedded default: made once, kept beside the keys (owner
 * only), its hash configured; the token itself is never logged.
 */
export function devAdminToken(loaded: LoadedConfig): string | undefined {
  const { config } = loaded;
  if (config.api.adminTokenSha256 || !config.keys.generateDevKeys || isProductionBaseUrl(config.publicBaseUrl))
    return undefined;
  const file = `${dirname(configPath(loaded, config.keys.dir))}/admin-token`;
  if (!existsSync(file)) {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeFileSync(file, `${randomBytes(24).toString('base64url')}\n`, { mode: 0o600, flag: 'wx' });
  }
  const token = readFileSync(file, 'utf8').trim();
  config.api.adminTokenSha256 = createHash('sha256').update(token).digest('hex');
  return file;
}

/** The demo cloud on its ports (see demo.ports); any free ports when those are taken. */
async function startDemo(loaded: LoadedConfig, log: Log): Promise<DemoCloud> {
  const { config } = loaded;
  const port = config.server.port;
  const ports = (config.demo.ports ?? (port > 0 && port < 65533 ? [port + 1, port + 2, port + 3] : [0, 0, 0])) as [
    number,
    number,
    number,
  ];
  try {
    return await startDemoCloud({ ports });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    log.warn(
      { ports, err: (err as Error).message },
      'demo cloud ports taken: using any free ports (its endpoint URLs change, so its offerings are signed anew)',
    );
    return startDemoCloud();
  }
}

/**
 * The demo identity provider on loopback, configured as auth.oidc (the review page signs in through
 * it). Development only: refused for a production base URL or beside a configured provider.
 */
async function startDemoIdentityProvider(loaded: LoadedConfig, log: Log): Promise<FakeOidc> {
  const { config } = loaded;
  if (isProductionBaseUrl(config.publicBaseUrl))
    throw new GatewayError(
      `demo.identityProvider is for development only, not for ${config.publicBaseUrl}: configure auth.oidc`,
      'bad-config',
    );
  if (config.auth.oidc)
    throw new GatewayError('demo.identityProvider and auth.oidc are both set: choose one', 'bad-config');
  const port = config.server.port;
  const wanted = config.demo.identityProviderPort ?? (port > 0 && port < 65531 ? port + 4 : 0);
  let idp: FakeOidc;
  try {
    idp = await startFakeOidc({ port: wanted, audience: 'gx-gateway' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    log.warn({ port: wanted }, 'demo identity provider port taken: using any free port');
    idp = await startFakeOidc({ audience: 'gx-gateway' });
  }
  config.auth.oidc = {
    issuer: idp.issuer,
    audience: 'gx-gateway',
    clientId: 'gx-review',
    allowHttp: true,
    rolesClaim: 'roles',
    nameClaim: 'preferred_username',
    algorithms: ['RS256'],
    clockToleranceSeconds: 30,
  };
  log.info({ issuer: idp.issuer }, 'demo identity provider (development only): the review page signs in through it');
  return idp;
}

/**
 * The service side of the gateway, built from configuration: the store (migrated), the configured
 * clouds registered, the demo cloud when one is configured, the runner and the scheduler.
 */
export async function startService(
  loaded: LoadedConfig,
  credentials: CredentialService,
  log: Log,
  opts: { scheduler?: boolean } = {},
): Promise<GatewayService> {
  const { config } = loaded;
  const clouds = configuredClouds(loaded);
  if (clouds.length && !config.provider)
    throw new GatewayError(
      `configuration ${loaded.source}: clouds are configured but not the provider: add the provider section (legal name, addresses, registration numbers)`,
      'bad-config',
    );
  const store = await Store.open({
    ...(config.database.url ? { url: config.database.url } : { file: configPath(loaded, config.database.file) }),
    poolSize: config.database.poolSize,
  });
  let demo: DemoCloud | undefined;
  let identityProvider: FakeOidc | undefined;
  try {
    if (config.demo.identityProvider) identityProvider = await startDemoIdentityProvider(loaded, log);
    for (const c of clouds) {
      const existing = await store.clouds.get(c.id);
      const same =
        existing &&
        existing.name === c.name &&
        existing.sources === c.sources &&
        existing.profiles === c.profiles &&
        existing.interval_seconds === c.interval_seconds;
      if (!same) await store.clouds.put(c, 'configuration');
    }
    await store.identities.syncKeys(credentials.keys.list());
    if (clouds.some((c) => c.sources === '{"demo":true}')) demo = await startDemo(loaded, log);
  } catch (err) {
    await store.close();
    await identityProvider?.close();
    throw err;
  }
  const metrics = createMetrics(
    () => store.credentials.countByState(),
    () => store.outbox.targets(),
    async () =>
      (await store.compliance.list({ current: true, limit: 1000 })).flatMap((c) =>
        c.valid_until ? [{ cloud: c.cloud_id, profile: c.profile, validUntil: c.valid_until }] : [],
      ),
    async () =>
      (await store.credentials.publishedForeign()).flatMap((r) => {
        const until = validUntilOf(r.body);
        return until
          ? [{ cloud: r.cloud_id, profile: r.profile, credential: r.base_id, validUntil: until.toISOString() }]
          : [];
      }),
  );
  const listeners = new Set<() => void>();
  const changed = () => {
    for (const l of listeners) l();
  };
  // Officer keys live in the store (several instances share them): loaded at start, after a change
  // here, and every few seconds for changes made by another instance.
  const loadOfficerKeys = () => syncOfficerKeys(store, credentials);
  try {
    await loadOfficerKeys();
  } catch (err) {
    await store.close();
    throw err;
  }
  const officerTimer = setInterval(() => loadOfficerKeys().catch(() => undefined), 5000);
  officerTimer.unref();
  // Demo peers (development only): a clearing house, a catalogue and a credential event service on
  // loopback, configured as the publish targets.
  let peers: DemoPeers | undefined;
  const secrets = new Map<string, string>();
  let peerAnchors: X509Certificate[] = [];
  const publishers: Publisher[] = [];
  const presentJwt = async (jwts: string[]) => {
    const vp = await credentials.present(jwts, { suite: 'vc-jose' });
    if (vp.format !== 'jwt') throw new GatewayError('a VP-JWT was expected', 'internal');
    return vp.jwt;
  };
  let compliance: CompliancePublisher | undefined;
  let notary: NotaryClient | undefined;
  let closePeerDids = async () => {};
  try {
    if (config.demo.peers) {
      const p = config.publish;
      if (
        isProductionBaseUrl(config.publicBaseUrl) ||
        p.clearingHouses.length ||
        p.catalogues.length ||
        p.credentialEvents
      ) {
        throw new GatewayError(
          isProductionBaseUrl(config.publicBaseUrl)
            ? `demo.peers is for development only, not for ${config.publicBaseUrl}`
            : 'demo.peers and publish targets are both configured: choose one',
          'bad-config',
        );
      }
      // The peers verify as the real ones would over https: here DIDs on loopback (ours, the demo
      // notary's) over http — a resolver of their own, not the gateway's.
      const peerDids = resolverFor({ allowHttp: true, timeoutMs: 10_000 });
      closePeerDids = () => peerDids.close();
      peers = await startDemoPeers(
        (config.demo.peerPorts as number[] | undefined) ?? defaultPeerPorts(config.server.port),
        async (input) => {
          const report = await credentials.verify(input, { dids: peerDids.resolver });
          return report.valid ? undefined : problemsOf(report);
        },
        log,
      );
      const ch = peers.clearingHouse;
      p.clearingHouses = [
        {
          name: DEMO_CLEARING_HOUSE,
          registryUrl: `${ch.url}/registry/v1`,
          tagusUrl: `${ch.url}/compliance/v1`,
          loireUrl: `${ch.url}/compliance/v2`,
          notaryUrl: ch.notaryUrl,
          label: 'standard-compliance',
          did: ch.did,
          timeoutMs: 30_000,
          allowHttp: true,
          allowPrivateNetworks: false,
        },
      ];
      peerAnchors = [new X509Certificate(ch.rootPem)];
      p.credentialEvents = { url: peers.events.url, allowHttp: true };
      // Both catalogue generations, one identity provider and client (a provider's roles).
      const { catalogueSecret, catalogueIdp } = peers;
      p.catalogues = (
        [
          [DEMO_CATALOGUE, '2025', peers.catalogue.url],
          [DEMO_CATALOGUE_2026, '2026', peers.catalogue2026.url],
        ] as const
      ).map(([name, api, url]) => {
        secrets.set(name, catalogueSecret);
        return {
          name,
          api,
          url,
          tokenUrl: `${catalogueIdp.issuer}/token`,
          clientId: 'gx-gateway',
          allowHttp: true,
          registerParticipant: false,
          concurrency: 8,
        };
      });
      log.info(
        {
          clearingHouse: ch.url,
          catalogue: peers.catalogue.url,
          catalogue2026: peers.catalogue2026.url,
          events: peers.events.url,
        },
        'demo peers (development only): a Gaia-X clearing house (Tagus and Loire compliance, notary), XFSC catalogues (2025 and 2026 APIs) and a credential event service',
      );
    }
    // resolver.caFile: one CA setting for every outbound TLS connection (peers' fetches and DIDs alike).
    const caFile = config.resolver.caFile ? configPath(loaded, config.resolver.caFile) : undefined;
    if (caFile) trustExtraCa(caFile);
    const checkUrl = (where: string, u: string, allowHttp: boolean) => {
      if (!httpsOrDevLoopback(new URL(u), allowHttp))
        throw new GatewayError(
          `${where}: ${u} must be https (http only on loopback with allowHttp, for development)`,
          'bad-config',
        );
    };
    // Catalogues as outbox targets: what runs and decisions publish or revoke goes there, in order.
    for (const c of config.publish.catalogues) {
      for (const u of [c.url, c.tokenUrl]) checkUrl(`publish.catalogues.${c.name}`, u, c.allowHttp);
      const secret = secrets.get(c.name) ?? (c.clientSecretEnv ? process.env[c.clientSecretEnv] : '');
      if (secret === undefined)
        throw new GatewayError(
          `publish.catalogues.${c.name}: the environment variable ${c.clientSecretEnv} (its client secret) is not set`,
          'bad-config',
        );
      const password = c.username ? (c.passwordEnv ? process.env[c.passwordEnv] : undefined) : '';
      if (password === undefined)
        throw new GatewayError(
          `publish.catalogues.${c.name}: the password grant needs passwordEnv naming a set environment variable`,
          'bad-config',
        );
      publishers.push(
        xfscPublisher(c.name, c.url, c.api, {
          store,
          presentLd: async (credential) => {
            const vp = await credentials.present([credential], { suite: 'jws2020' });
            return vp.format === 'ldp' ? JSON.stringify(vp.document) : vp.jwt;
          },
          presentJwt,
          registerParticipant: c.registerParticipant,
          concurrency: c.concurrency,
          tokens: new CatalogueTokens({
            tokenUrl: c.tokenUrl,
            clientId: c.clientId,
            clientSecret: secret,
            ...(c.username ? { user: { username: c.username, password } } : {}),
          }),
        }),
      );
    }
    const events = config.publish.credentialEvents;
    if (events) {
      checkUrl('publish.credentialEvents', events.url, events.allowHttp);
      publishers.push(credentialEventsPublisher(events.url, { store, source: config.publicBaseUrl }));
    }
    if (config.publish.clearingHouses.length) {
      const clearingHouses = config.publish.clearingHouses.map((ch) => {
        if (!ch.tagusUrl && !ch.loireUrl && !ch.notaryUrl)
          throw new GatewayError(
            `publish.clearingHouses.${ch.name}: set tagusUrl, loireUrl (compliance) or notaryUrl`,
            'bad-config',
          );
        for (const u of [ch.registryUrl, ch.tagusUrl, ch.loireUrl, ch.notaryUrl])
          if (u) checkUrl(`publish.clearingHouses.${ch.name}`, u, ch.allowHttp);
        if (ch.allowPrivateNetworks && isProductionBaseUrl(config.publicBaseUrl))
          throw new GatewayError(
            `publish.clearingHouses.${ch.name}.allowPrivateNetworks is for development only, not for ${config.publicBaseUrl}`,
            'bad-config',
          );
        return {
          ...ch,
          ...(caFile ? { caFile } : {}),
          trustAnchors: peers
            ? peerAnchors
            : readAnchors(loaded, ch.trustAnchorFiles ?? config.resolver.trustAnchorFiles ?? []),
        };
      });
      const complianceHouses = clearingHouses.filter((ch) => ch.tagusUrl || ch.loireUrl);
      if (complianceHouses.length) {
        compliance = new CompliancePublisher({
          store,
          clearingHouses: complianceHouses,
          newId: (key) => `${config.publicBaseUrl.replace(/\/+$/, '')}/compliance/${nameUuid(key)}`,
          presentJwt,
          chainOf: (row) => (row.signed_with ? credentials.chainFor(row.signed_with.replace(/^.*#/, '')) : undefined),
          renewBeforeMs: config.publish.compliance.renewBeforeDays * 86_400_000,
          verify: (input, peer) => credentials.verify(input, peer),
          ...(events ? { eventsTarget: EVENTS_TARGET } : {}),
        });
        publishers.push(compliance);
      }
      if (clearingHouses.some((ch) => ch.notaryUrl))
        notary = new NotaryClient({
          clearingHouses,
          verify: (input, peer) => credentials.verify(input, peer),
          renewBeforeMs: config.publish.notary.renewBeforeDays * 86_400_000,
        });
    }
  } catch (err) {
    clearInterval(officerTimer);
    await store.close();
    await closePeerDids();
    await peers?.close();
    await demo?.close();
    await identityProvider?.close();
    throw err;
  }
  if (demo || identityProvider || peers) {
    // Every loopback port the demo took, in one line: a taken default was replaced by any free port.
    const portOf = (u: string | undefined) => (u ? Number(new URL(u).port) : undefined);
    log.info(
      {
        ...(demo
          ? {
              openstack: portOf(demo.urls.openstack),
              kubernetes: portOf(demo.urls.kubernetes),
              netbox: portOf(demo.urls.netbox),
            }
          : {}),
        ...(identityProvider ? { identityProvider: portOf(identityProvider.issuer) } : {}),
        ...(peers
          ? {
              clearingHouse: portOf(peers.clearingHouse.url),
              events: portOf(peers.events.url),
              catalogueIdentityProvider: portOf(peers.catalogueIdp.issuer),
              catalogue: portOf(peers.catalogue.url),
              catalogue2026: portOf(peers.catalogue2026.url),
            }
          : {}),
      },
      'demo ports (development only: demo.ports, demo.identityProviderPort, demo.peerPorts)',
    );
  }
  // What runs and decisions queue for: the catalogues and the clearing houses (events follow issuance).
  const setup = publishSetup(loaded, store);
  const outbox = publishers.length
    ? new OutboxWorker({
        store,
        publishers,
        log,
        maxAttempts: config.publish.outbox.maxAttempts,
        baseBackoffMs: config.publish.outbox.baseBackoffMs,
        maxBackoffMs: config.publish.outbox.maxBackoffMs,
        tickMs: config.publish.outbox.tickMs,
        leaseMs: config.publish.outbox.leaseSeconds * 1000,
        deliveryTimeoutMs: config.publish.outbox.leaseSeconds * 800,
        onAttempt: (target, outcome) => metrics.deliveries.inc({ target, outcome }),
      })
    : undefined;
  if (outbox) listeners.add(() => outbox.kick());
  const complianceSweep = async (): Promise<number> => {
    // A compliance credential past its validity is expired (an event of the change feed), and renewed.
    if (await store.compliance.expire()) changed();
    if (!compliance) return 0;
    const items = (await publishPlan(setup, COMPLIANCE_TARGET)).get(COMPLIANCE_TARGET) ?? [];
    if (items.length) {
      await store.outbox.enqueue(items);
      outbox?.kick();
    }
    return items.length;
  };
  const sweepTimer = setInterval(() => complianceSweep().catch(() => undefined), 10 * 60_000);
  sweepTimer.unref();
  const approvals = new Approvals({
    store,
    signer: credentials,
    leaseMs: config.scheduler.leaseSeconds * 1000,
    defaultSuite: config.signing.defaultSuite,
    suites: config.signing.suites,
    onChange: changed,
    catalogueTargets: setup.targets,
    ldOnlyTargets: setup.ldOnly,
  });
  // A cloud added over the API names only what api.cloudSources offers, at input and again each run.
  const cloudSources = config.api.cloudSources;
  const policyFor = (cloud: string) =>
    sourcePolicy(
      { ...cloudSources, ...(cloudSources.dir ? { dir: configPath(loaded, cloudSources.dir) } : {}) },
      cloud,
    );
  // A network that is not one, or a folder that is not there, is a configuration error at start.
  policyFor('*');
  if (cloudSources.dir && !statSync(configPath(loaded, cloudSources.dir), { throwIfNoEntry: false })?.isDirectory())
    throw new GatewayError(
      `api.cloudSources.dir: ${configPath(loaded, cloudSources.dir)} is not a folder (API-added clouds name their files inside it)`,
      'bad-config',
    );
  if (cloudSources.allowHttp && isProductionBaseUrl(config.publicBaseUrl))
    throw new GatewayError(
      `api.cloudSources.allowHttp is for development only, not for ${config.publicBaseUrl}`,
      'bad-config',
    );
  const resolveSources = async (cloud: Cloud) => {
    const sources = JSON.parse(cloud.sources) as SourcesSpec & { demo?: boolean; useSources?: boolean };
    if (sources.demo) {
      if (!demo) throw new GatewayError(`${cloud.id} is a demo cloud, but the demo is not running`, 'unavailable');
      return demoSources(demo);
    }
    if (sources.useSources) return { spec: (config.sources ?? {}) as SourcesSpec, baseDir: loaded.baseDir };
    return { spec: sources, baseDir: loaded.baseDir, policy: policyFor(cloud.id) };
  };
  // Each set is validated in a worker thread (ended when idle): HTTP keeps answering during a run,
  // and the validation's memory goes with the worker.
  const validate = workerValidator({ localContexts: credentials.localContexts, limits: credentials.canonizeLimits });
  const runner = new CloudRunner({
    store,
    signer: credentials,
    canonizer: credentials.canonizer,
    baseUrl: config.publicBaseUrl,
    get provider() {
      if (!config.provider)
        throw new GatewayError('no provider section in the configuration: clouds cannot be described', 'bad-config');
      return config.provider;
    },
    resolveSources,
    leaseMs: config.scheduler.leaseSeconds * 1000,
    validate,
    runTimeoutMs: config.scheduler.runTimeoutSeconds * 1000,
    maxSetCredentials: config.limits.maxSetCredentials,
    approval: config.signing.mode === 'approval',
    catalogueTargets: setup.targets,
    ldOnlyTargets: setup.ldOnly,
    ...(notary ? { notary } : {}),
    noStatus: (Object.entries(config.signing.credentialStatus) as [ProfileId, string][])
      .filter(([, how]) => how === 'none')
      .map(([profile]) => profile),
    log,
    onRunFinished: (run) => {
      metrics.runs.inc({ outcome: run.state });
      metrics.runsByTrigger.inc({ trigger: run.trigger });
      changed();
    },
  });
  // The shapes each profile needs are compiled by the build; runs load them in their worker.
  const profiles = [...new Set(clouds.flatMap((c) => JSON.parse(c.profiles) as ProfileId[]))];
  const shapesReady = () =>
    (profiles.length ? profiles : (['gaia-x-25.11'] as ProfileId[])).every((p) => existsSync(compiledShapesFile(p)));
  // Clouds whose OpenStack notifications start runs (a configuration error here stops the start).
  const events =
    opts.scheduler !== false
      ? cloudEvents(loaded, {
          runner,
          store,
          metrics,
          log,
          leaseMs: config.scheduler.leaseSeconds * 1000,
          apiClouds: async () =>
            (await store.clouds.list()).flatMap((c) => {
              const spec = JSON.parse(c.sources) as SourcesSpec & { demo?: boolean; useSources?: boolean };
              return spec.demo || spec.useSources || !c.enabled
                ? []
                : [{ id: c.id, spec, policy: () => policyFor(c.id) }];
            }),
          // The demo cloud's OpenStack notifies in-process: a change through its API starts a run.
          ...(demo && !config.demo.notifications
            ? {
                channels: clouds
                  .filter((c) => c.sources === '{"demo":true}')
                  .map((c) => ({
                    cloud: c.id,
                    subscribe(listener: (m: { exchange: string; body: Buffer }) => void) {
                      demo!.openstack.notifications.on('notification', listener);
                      return () => demo!.openstack.notifications.off('notification', listener);
                    },
                  })),
              }
            : {}),
        })
      : undefined;
  const scheduler =
    opts.scheduler !== false && config.scheduler.enabled
      ? new Scheduler(store, runner, { tickMs: config.scheduler.tickSeconds * 1000, log })
      : undefined;
  let started = false;
  let demoPublisher: OsloPublisher | undefined;
  return {
    store,
    runner,
    metrics,
    approvals,
    officerKeysChanged: loadOfficerKeys,
    ...(scheduler ? { scheduler } : {}),
    ...(demo ? { demo } : {}),
    ...(identityProvider ? { identityProvider } : {}),
    ...(peers ? { peers } : {}),
    ...(compliance ? { compliance } : {}),
    complianceSweep,
    async complianceStatus(cloud?: string) {
      return {
        clearingHouses: setup.clearingHouses,
        items: await complianceStatus(setup, cloud),
        registrationNumbers: await registrationStatus(store, cloud),
      };
    },
    checkCloudSources(id: string, sources: SourcesSpec) {
      const policy = policyFor(id);
      buildSources(sources, { baseDir: loaded.baseDir, policy });
      for (const [i, o] of (sources.openstack ?? []).entries())
        if (o.notifications)
          confineBroker(process.env[o.notifications.urlEnv], policy, `sources.openstack[${i}].notifications.urlEnv`);
    },
    ...(events?.netboxHook ? { netboxHook: events.netboxHook } : {}),
    async publishNow(opts: { to?: string; dryRun?: boolean }) {
      const plan = await publishNow(setup, opts);
      if (!plan.dryRun) outbox?.kick();
      return plan;
    },
    start() {
      if (started) return;
      started = true;
      if (!shapesReady()) log.error({}, 'compiled shapes are missing: run `npm run build`; runs will fail validation');
      scheduler?.start();
      events?.start();
      // The demo OpenStack notifies through the configured broker, as the real services would.
      const demoBroker = config.demo.notifications as { urlEnv: string } | undefined;
      if (demo && demoBroker && events)
        void publishToBroker(demo.openstack.notifications, process.env[demoBroker.urlEnv]!, log).then(
          (p) => (demoPublisher = p),
        );
      outbox?.start();
      complianceSweep().catch((err: Error) => log.warn({ err: err.message }, 'compliance: sweep failed'));
    },
    onChange(listener: () => void) {
      listeners.add(listener);
    },
    async ready() {
      const checks: Record<string, boolean> = {
        database: await store.ping(),
        keys: credentials.keys.list().length > 0,
        shapes: shapesReady(),
      };
      // A cloud whose event source is down is kept true by polling alone: not ready as configured.
      for (const [cloud, state] of Object.entries(events?.states() ?? {}))
        checks[`events:${cloud}`] = state === 'consuming' || state === 'standby';
      // A target is down when its oldest pending item has waited longer than the threshold and
      // nothing reached it meanwhile (a backlog that does not move).
      if (publishers.length && checks.database) {
        const limit = new Date(Date.now() - config.publish.outbox.downAfterSeconds * 1000).toISOString();
        const stats = await store.outbox.targets();
        for (const { target } of publishers) {
          const t = stats.find((x) => x.target === target);
          checks[`outbox:${target}`] = !(
            t?.oldestPending &&
            t.oldestPending < limit &&
            (!t.lastDelivered || t.lastDelivered < limit)
          );
        }
      }
      return checks;
    },
    async close() {
      clearInterval(officerTimer);
      clearInterval(sweepTimer);
      await demoPublisher?.close();
      await events?.stop();
      await scheduler?.stop();
      await outbox?.stop();
      await validate.close();
      await store.close();
      await demo?.close();
      await identityProvider?.close();
      await compliance?.close();
      await closePeerDids();
      await notary?.close();
      await peers?.close();
    },
  };
}
