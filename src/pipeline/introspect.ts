import { readFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { parseYamlQuietly } from '../core/yaml.js';
import { GatewayError } from '../core/errors.js';
import { buildInventory, type BuildOptions } from '../inventory/build.js';
import { resolveKubeContext } from '../inventory/kubernetes/kubeconfig.js';
import { KubernetesSource } from '../inventory/kubernetes/index.js';
import type { SiteMapping } from '../inventory/link.js';
import type { Inventory } from '../inventory/model.js';
import { NetBoxSource } from '../inventory/netbox/index.js';
import { resolveCloud } from '../inventory/openstack/clouds-config.js';
import { OpenStackSource } from '../inventory/openstack/index.js';
import { ScsReportSource } from '../inventory/scs/conformance.js';
import type { InventorySource } from '../inventory/source.js';
import { confineSources, guardOf, type SourcePolicy } from './source-policy.js';

/**
 * What to introspect: the configuration's `sources` section, or the same built from CLI flags.
 * Secrets are never here, only where to find them (clouds.yaml, a kubeconfig, a variable's name).
 */
export interface SourcesSpec {
  /** OpenStack clouds by their clouds.yaml name (clouds.yaml, secure.yaml and OS_* as openstacksdk reads them). */
  openstack?: {
    cloud?: string;
    /** Its oslo.messaging notifications (events: src/app/cloud-events.ts); the run itself ignores it. */
    notifications?: {
      urlEnv: string;
      exchanges?: string[];
      queue?: string;
      durableExchanges?: boolean;
      allowPlaintext?: boolean;
    };
  }[];
  /** `watch`: its changes start runs (src/app/cloud-events.ts); the run itself ignores it. */
  kubernetes?: { kubeconfig: string; context?: string; watch?: boolean; watchTimeoutSeconds?: number }[];
  netbox?: { url: string; tokenEnv?: string; caFile?: string };
  /** SCS compliance-check reports (YAML files). */
  scsReports?: string[];
  /** NetBox site slug → OpenStack region and zones, where the names differ (or a YAML file of it). */
  siteMap?: SiteMapping | string;
  /** Paginated list page size (OpenStack, NetBox). */
  pageSize?: number;
  timeoutMs?: number;
  concurrency?: number;
}

export interface IntrospectOptions {
  env?: NodeJS.ProcessEnv;
  /** The spec came from the API: what it may name (files, secrets, networks); none for the configuration's own. */
  policy?: SourcePolicy;
  /** Where relative paths of the spec are resolved (the configuration file's folder). */
  baseDir?: string;
  progress?: (message: string) => void;
  now?: BuildOptions['now'];
}

/** Whether a spec names any source at all. */
export function hasSources(spec: SourcesSpec): boolean {
  return Boolean(spec.openstack?.length || spec.kubernetes?.length || spec.netbox || spec.scsReports?.length);
}

/** The inventory sources a spec names, each ready to collect. Errors say which entry is wrong. */
export function buildSources(given: SourcesSpec, opts: IntrospectOptions = {}): InventorySource[] {
  const env = opts.env ?? process.env;
  const { policy } = opts;
  const spec = policy ? confineSources(given, policy) : given;
  const path = (p: string) => (isAbsolute(p) || !opts.baseDir ? p : resolve(opts.baseDir, p));
  const sources: InventorySource[] = [];
  for (const os of spec.openstack ?? []) {
    sources.push(
      new OpenStackSource(
        resolveCloud({ ...(os.cloud ? { cloud: os.cloud } : {}), env }),
        spec.pageSize ? { pageSize: spec.pageSize } : {},
      ),
    );
  }
  for (const k of spec.kubernetes ?? []) {
    sources.push(
      new KubernetesSource(
        resolveKubeContext({ path: path(k.kubeconfig), ...(k.context ? { context: k.context } : {}), env }),
      ),
    );
  }
  if (spec.netbox) {
    // An API-added cloud sends a token only from a variable it named (and the policy offers).
    const tokenEnv = spec.netbox.tokenEnv ?? (policy ? undefined : 'NETBOX_TOKEN');
    const token = tokenEnv ? env[tokenEnv] : undefined;
    let ca: string | undefined;
    if (spec.netbox.caFile) {
      try {
        ca = readFileSync(path(spec.netbox.caFile), 'utf8');
      } catch (err) {
        throw new GatewayError(`NetBox CA file ${spec.netbox.caFile}: ${(err as Error).message}`, 'usage');
      }
    }
    sources.push(
      new NetBoxSource({
        url: spec.netbox.url,
        ...(token ? { token } : {}),
        ...(ca ? { ca } : {}),
        ...(spec.pageSize ? { pageSize: spec.pageSize } : {}),
        ...(policy ? { guard: guardOf(policy) } : {}),
      }),
    );
  }
  for (const report of spec.scsReports ?? []) sources.push(new ScsReportSource(path(report)));
  return sources;
}

function siteMapping(spec: SourcesSpec, baseDir?: string): SiteMapping {
  if (!spec.siteMap) return {};
  if (typeof spec.siteMap !== 'string') return spec.siteMap;
  const file = isAbsolute(spec.siteMap) || !baseDir ? spec.siteMap : resolve(baseDir, spec.siteMap);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new GatewayError(
      `cannot read the site map ${spec.siteMap} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      'usage',
    );
  }
  return (parseYamlQuietly(text, `site map ${spec.siteMap}`, 'usage') ?? {}) as SiteMapping;
}

/**
 * The introspect stage: every source of the spec read into one inventory. A failed source never
 * stops the others; its provenance says `failed` or `partial` and why.
 */
export async function introspect(spec: SourcesSpec, opts: IntrospectOptions = {}): Promise<Inventory> {
  const sources = buildSources(spec, opts);
  if (sources.length === 0) {
    throw new GatewayError(
      'nothing to introspect: pass --cloud, --kubeconfig, --netbox or --scs-report (or --demo), or name them under `sources` in the configuration',
      'usage',
    );
  }
  return buildInventory(sources, {
    ...(opts.progress ? { progress: opts.progress } : {}),
    siteMapping: siteMapping(spec, opts.baseDir),
    http: {
      ...(spec.timeoutMs ? { timeoutMs: spec.timeoutMs } : {}),
      ...(spec.concurrency ? { concurrency: spec.concurrency } : {}),
    },
    ...(opts.now ? { now: opts.now } : {}),
  });
}
