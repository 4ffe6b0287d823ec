import type { ComplianceOverview, PublishPlan } from '../publish/plan.js';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { GatewayConfig } from '../config/schema.js';
import type { Authenticator, Principal, Role } from './auth.js';
import type { Access } from './route.js';
import type { KeyInfo } from '../credentials/keys/keystore.js';
import type { Approvals } from '../approval/approvals.js';
import type { CloudRunner } from '../pipeline/runner.js';
import type { SourcesSpec } from '../pipeline/introspect.js';
import type { HookOutcome } from '../inventory/netbox/webhook.js';
import type { Store } from '../store/store.js';
import type { GatewayMetrics } from './metrics.js';

/** What the routes need of the credential service (the composition root in src/app provides it). */
export interface CredentialsPort {
  readonly did: string;
  didDocument(): Promise<Record<string, unknown>>;
  readonly keys: { list(): KeyInfo[]; chainPem(id: string): string | undefined };
  /** The chain served at a key's x5u URL (the gateway's keys and the officers'). */
  chainFor(keyId: string): string | undefined;
}

/** The service side the store-backed routes use (the composition root builds it). */
export interface ServicePort {
  store: Store;
  runner: CloudRunner;
  metrics: GatewayMetrics;
  /** Readiness checks by name (database reachable, keys loaded, shapes compiled). */
  ready(): Promise<Record<string, boolean>>;
  /** Call `listener` whenever a run here has finished (what is published may have changed). */
  onChange?(listener: () => void): void;
  /** The officers' decisions on drafts, signatures made elsewhere, revocations. */
  approvals: Approvals;
  /** Reload the officer keys into the DID document (after one was added or removed). */
  officerKeysChanged(): Promise<void>;
  /** Per cloud and profile: the clearing houses' last answer, whether a submission is due, the notary's credentials. */
  complianceStatus(cloud?: string): Promise<ComplianceOverview>;
  /**
   * Whether a cloud added over the API may be introspected as given: its files in
   * api.cloudSources.dir, its secrets and networks offered there, everything readable now. Throws a
   * GatewayError naming the field.
   */
  checkCloudSources(id: string, sources: SourcesSpec): void;
  /** A NetBox webhook delivery (raw body, X-Hook-Signature); absent when none is configured. */
  netboxHook?(cloud: string, body: Buffer, signature: string | undefined): Promise<HookOutcome>;
  /** Queue what each target lacks (or only say it: dryRun). */
  publishNow(opts: { to?: string; dryRun?: boolean }): Promise<PublishPlan>;
}

/** What the routes use: the configuration and the services, decorated on the Fastify instance. */
export interface AppDeps {
  config: GatewayConfig;
  credentials: CredentialsPort;
  /** Without it (the credential core alone) the store-backed routes answer 503. */
  service?: ServicePort;
}

/** Failed authentications per client address (see api.authFailuresPerMinute). */
export interface AppAuthFailures {
  /** 429 when the caller's address failed too often this minute. */
  check(request: FastifyRequest): Promise<void>;
  /** Count a failed authentication of the caller's address. */
  failed(request: FastifyRequest): Promise<void>;
}

export interface RouteEntry {
  method: string;
  url: string;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route (openapi.yaml's security). */
    access?: Access;
  }
  interface FastifyRequest {
    /** The authenticated caller (bearer or session routes). */
    principal?: Principal;
  }
  interface FastifyInstance {
    /** The gateway's services (decorator): routes read them here, never import the app. */
    gateway: AppDeps;
    /** Every route the app serves (for the OpenAPI conformance test and start-up logging). */
    gatewayRoutes: RouteEntry[];
    /** API tokens and OIDC bearer tokens. */
    auth: Authenticator;
    /** The review page's session check for a role (a preHandler). */
    sessionCheck(role: Role): (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
    /** The public routes' rate limit: one budget per client address for all of them. */
    publicLimit: (request: FastifyRequest, reply: FastifyReply) => Promise<unknown>;
    /** Failed authentications per client address. */
    authFailures: AppAuthFailures;
    /** The review forms' CSRF check (a preHandler, once the form is parsed). */
    csrfCheck(request: FastifyRequest): Promise<void>;
  }
}

/** Routes that take no request body refuse one larger than this (every route so far). */
export const NO_BODY_LIMIT = 1024;
