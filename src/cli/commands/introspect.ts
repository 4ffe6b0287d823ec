import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { parse } from 'yaml';
import { GatewayError } from '../../credentials/errors.js';
import { buildInventory, serializeInventory } from '../../inventory/build.js';
import { startDemoCloud, type DemoCloud } from '../../inventory/demo.js';
import { resolveKubeContext } from '../../inventory/kubernetes/kubeconfig.js';
import { KubernetesSource } from '../../inventory/kubernetes/index.js';
import type { SiteMapping } from '../../inventory/link.js';
import { NetBoxSource } from '../../inventory/netbox/index.js';
import { resolveCloud } from '../../inventory/openstack/clouds-config.js';
import { OpenStackSource } from '../../inventory/openstack/index.js';
import { ScsReportSource } from '../../inventory/scs/conformance.js';
import { assertInventory } from '../../inventory/schema.js';
import type { InventorySource } from '../../inventory/source.js';
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

export function introspectCommand(program: Command): void {
  program
    .command('introspect')
    .description('read a live deployment (OpenStack, Kubernetes, NetBox, SCS reports) into one inventory; exit non-zero only if every source failed')
    .option('--cloud <name>', 'OpenStack cloud from clouds.yaml (default: $OS_CLOUD, or OS_* variables)')
    .option('--kubeconfig <path>', 'kubeconfig of a Kubernetes / Cluster API management cluster')
    .option('--kube-context <name>', 'kubeconfig context (default: current-context)')
    .option('--netbox <url>', 'NetBox base URL')
    .option('--netbox-token-env <name>', 'environment variable holding the NetBox API token', 'NETBOX_TOKEN')
    .option('--netbox-ca <file>', 'CA certificate (PEM) for NetBox')
    .option('--site-map <file>', 'YAML: NetBox site slug → { region, availabilityZones }')
    .option('--scs-report <file>', 'SCS compliance-check report (YAML); repeatable', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('-o, --output <file>', 'write the inventory to a file instead of stdout')
    .option('--timing', 'include run times and request counts (makes the output differ between runs)')
    .option('--page-size <n>', 'page size for paginated OpenStack lists', '1000')
    .option('--timeout-ms <n>', 'per-request timeout', '30000')
    .option('--concurrency <n>', 'concurrent requests per source', '8')
    .option('--demo', 'introspect the built-in demo cloud (fake OpenStack, Kubernetes and NetBox on loopback)')
    .option('-q, --quiet', 'no progress on stderr')
    .action(async (o: IntrospectOptions) => {
      const progress = o.quiet ? () => {} : (m: string) => process.stderr.write(`${m}\n`);
      let demo: DemoCloud | undefined;
      try {
        if (o.demo) {
          demo = await startDemoCloud();
          progress('demo cloud started (fake OpenStack, Kubernetes, NetBox on loopback)');
        }
        const env = demo ? { ...process.env, OS_CLIENT_CONFIG_FILE: demo.cloudsYaml, [o.netboxTokenEnv]: demo.netboxToken } : process.env;
        const sources: InventorySource[] = [];
        const pageSize = Number(o.pageSize);
        const cloudName = o.cloud ?? (demo ? 'demo' : undefined);
        if (cloudName || env.OS_CLOUD || env.OS_AUTH_URL) {
          sources.push(new OpenStackSource(resolveCloud({ ...(cloudName ? { cloud: cloudName } : {}), env }), { pageSize }));
        }
        const kubeconfig = o.kubeconfig ?? demo?.kubeconfig;
        if (kubeconfig) sources.push(new KubernetesSource(resolveKubeContext({ path: kubeconfig, ...(o.kubeContext ? { context: o.kubeContext } : {}), env })));
        const netbox = o.netbox ?? demo?.netboxUrl;
        if (netbox) {
          const token = env[o.netboxTokenEnv];
          sources.push(new NetBoxSource({ url: netbox, ...(token ? { token } : {}), ...(o.netboxCa ? { ca: readFileSync(o.netboxCa, 'utf8') } : {}) }));
        }
        for (const report of [...o.scsReport, ...(demo ? [demo.scsReport] : [])]) sources.push(new ScsReportSource(report));
        if (sources.length === 0) {
          throw new GatewayError('nothing to introspect: pass --cloud, --kubeconfig, --netbox or --scs-report (or --demo)', 'usage');
        }
        let siteMapping: SiteMapping = {};
        if (o.siteMap) {
          try {
            siteMapping = (parse(readFileSync(o.siteMap, 'utf8')) ?? {}) as SiteMapping;
          } catch (err) {
            throw new GatewayError(`--site-map ${o.siteMap}: ${(err as Error).message}`, 'usage');
          }
        }
        const inventory = await buildInventory(sources, {
          progress,
          siteMapping,
          http: { timeoutMs: Number(o.timeoutMs), concurrency: Number(o.concurrency) },
        });
        const text = serializeInventory(inventory, { includeRun: Boolean(o.timing) });
        assertInventory(JSON.parse(text), 'the inventory');
        writeOutput(text, o.output);
        for (const s of inventory.sources) {
          progress(`${s.id}: ${s.status}${s.errors.length ? ` — ${s.errors.join('; ')}` : ''}`);
        }
        progress(`inventory ${inventory.contentHash}: ${inventory.flavors.length} flavors, ${inventory.images.length} images, ${inventory.volumeTypes.length} volume types, ${inventory.networks.length} external networks, ${inventory.kubernetesClusters.length} Kubernetes clusters, ${inventory.datacenters.length} datacenters, ${inventory.conformance.length} conformance reports`);
        if (inventory.sources.every((s) => s.status === 'failed')) process.exitCode = 1;
      } finally {
        await demo?.close();
      }
    });
}
