import { buildInventory } from '../../src/inventory/build.js';
import { startDemoCloud } from '../../src/inventory/demo.js';
import { resolveKubeContext } from '../../src/inventory/kubernetes/kubeconfig.js';
import { KubernetesSource } from '../../src/inventory/kubernetes/index.js';
import type { Inventory } from '../../src/inventory/model.js';
import { NetBoxSource } from '../../src/inventory/netbox/index.js';
import { resolveCloud } from '../../src/inventory/openstack/clouds-config.js';
import { OpenStackSource } from '../../src/inventory/openstack/index.js';
import { ScsReportSource } from '../../src/inventory/scs/conformance.js';

/** The inventory `gx-gateway introspect --demo` produces: every source of the demo cloud. */
export async function demoInventory(): Promise<Inventory> {
  const demo = await startDemoCloud();
  try {
    const env = { OS_CLIENT_CONFIG_FILE: demo.cloudsYaml, HOME: '/nonexistent' };
    return await buildInventory([
      new OpenStackSource(resolveCloud({ cloud: 'demo', env })),
      new KubernetesSource(resolveKubeContext({ path: demo.kubeconfig, env })),
      new NetBoxSource({ url: demo.netboxUrl, token: demo.netboxToken }),
      new ScsReportSource(demo.scsReport),
    ]);
  } finally {
    await demo.close();
  }
}
