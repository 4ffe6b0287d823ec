import type { Command } from 'commander';
import type { DemoCloud } from '../../demo/cloud.js';
import type { SourcesSpec } from '../../pipeline/introspect.js';
import { loadCliConfig, type GlobalOptions } from '../context.js';
import { writeOutput } from '../io.js';

interface IntrospectOptions {
  cloud?: string;
  kubeconfig?: string;
  kubeContext?: string;
  netbox?: string;
  netboxTokenEnv: string;
  netboxCa?: string;
  siteMap?: string;
  scsReport: string[];
  output?: string;
  timing?: boolean;
  pageSize?: string;
  timeoutMs?: string;
  concurrency?: string;
  demo?: boolean;
  quiet?: boolean;
}

/** The sources the flags name (none: the configuration's `sources`, else OS_CLOUD / OS_* variables). */
function flagSpec(o: IntrospectOptions): SourcesSpec {
  return {
    ...(o.cloud ? { openstack: [{ cloud: o.cloud }] } : {}),
    ...(o.kubeconfig
      ? { kubernetes: [{ kubeconfig: o.kubeconfig, ...(o.kubeContext ? { context: o.kubeContext } : {}) }] }
      : {}),
    ...(o.netbox
      ? { netbox: { url: o.netbox, tokenEnv: o.netboxTokenEnv, ...(o.netboxCa ? { caFile: o.netboxCa } : {}) } }
      : {}),
    ...(o.scsReport.length ? { scsReports: o.scsReport } : {}),
    ...(o.siteMap ? { siteMap: o.siteMap } : {}),
  };
}

export function introspectCommand(program: Command, globals: () => GlobalOptions): void {
  program
    .command('introspect')
    .description(
      'read a live deployment (OpenStack, Kubernetes, NetBox, SCS reports) into one inventory; exit non-zero only if every source failed',
    )
    .option(
      '--cloud <name>',
      "OpenStack cloud from clouds.yaml (default: the configuration's sources, else $OS_CLOUD or OS_* variables)",
    )
    .option('--kubeconfig <path>', 'kubeconfig of a Kubernetes / Cluster API management cluster')
    .option('--kube-context <name>', 'kubeconfig context (default: current-context)')
    .option('--netbox <url>', 'NetBox base URL')
    .option('--netbox-token-env <name>', 'environment variable holding the NetBox API token', 'NETBOX_TOKEN')
    .option('--netbox-ca <file>', 'CA certificate (PEM) for NetBox')
    .option('--site-map <file>', 'YAML: NetBox site slug → { region, availabilityZones }')
    .option(
      '--scs-report <file>',
      'SCS compliance-check report (YAML); repeatable',
      (v: string, acc: string[]) => [...acc, v],
      [] as string[],
    )
    .option('-o, --output <file>', 'write the inventory to a file instead of stdout')
    .option('--timing', 'include run times and request counts (makes the output differ between runs)')
    .option('--page-size <n>', 'page size for paginated OpenStack lists', '1000')
    .option('--timeout-ms <n>', 'per-request timeout', '30000')
    .option('--concurrency <n>', 'concurrent requests per source', '8')
    .option('--demo', 'introspect the built-in demo cloud (fake OpenStack, Kubernetes and NetBox on loopback)')
    .option('-q, --quiet', 'no progress on stderr')
    .action(async (o: IntrospectOptions) => {
      const [{ hasSources, introspect }, { serializeInventory }, schema] = await Promise.all([
        import('../../pipeline/introspect.js'),
        import('../../inventory/build.js'),
        import('../../inventory/schema.js'),
      ]);
      const progress = o.quiet ? () => {} : (m: string) => process.stderr.write(`${m}\n`);
      const tuning = {
        pageSize: Number(o.pageSize),
        timeoutMs: Number(o.timeoutMs),
        concurrency: Number(o.concurrency),
      };
      let demo: DemoCloud | undefined;
      try {
        let spec = flagSpec(o);
        let env = process.env;
        let baseDir: string | undefined;
        if (o.demo) {
          const [{ startDemoCloud }, { demoSources }] = await Promise.all([
            import('../../demo/cloud.js'),
            import('../../app/demo.js'),
          ]);
          demo = await startDemoCloud();
          progress('demo cloud started (fake OpenStack, Kubernetes, NetBox on loopback)');
          const d = demoSources(demo);
          spec = { ...d.spec, ...spec, scsReports: [...(spec.scsReports ?? []), ...(d.spec.scsReports ?? [])] };
          env = d.env;
        } else if (!hasSources(spec)) {
          const loaded = await loadCliConfig(globals());
          if (loaded.config.sources && hasSources(loaded.config.sources)) {
            spec = { ...loaded.config.sources, ...(spec.siteMap ? { siteMap: spec.siteMap } : {}) };
            baseDir = loaded.baseDir;
          }
        }
        // As openstacksdk users expect: OS_CLOUD / OS_* name a cloud when no flag or configuration does.
        if (!o.demo && !baseDir && !spec.openstack && (env.OS_CLOUD || env.OS_AUTH_URL))
          spec = { ...spec, openstack: [{}] };
        const inventory = await introspect({ ...tuning, ...spec }, { env, progress, ...(baseDir ? { baseDir } : {}) });
        const text = serializeInventory(inventory, { includeRun: Boolean(o.timing) });
        const check: (data: unknown, what?: string) => void = schema.assertInventory;
        check(JSON.parse(text), 'the inventory');
        writeOutput(text, o.output);
        for (const s of inventory.sources) {
          progress(`${s.id}: ${s.status}${s.errors.length ? ` — ${s.errors.join('; ')}` : ''}`);
        }
        progress(
          `inventory ${inventory.contentHash}: ${inventory.flavors.length} flavors, ${inventory.images.length} images, ${inventory.volumeTypes.length} volume types, ${inventory.networks.length} external networks, ${inventory.kubernetesClusters.length} Kubernetes clusters, ${inventory.datacenters.length} datacenters, ${inventory.conformance.length} conformance reports`,
        );
        if (inventory.sources.every((s) => s.status === 'failed')) process.exitCode = 1;
      } finally {
        await demo?.close();
      }
    });
}
