import type { SourcesSpec } from '../pipeline/introspect.js';
import type { DemoCloud } from '../demo/cloud.js';

/** The demo cloud as a sources spec, and the environment its clouds.yaml and NetBox token are read from. */
export function demoSources(
  demo: DemoCloud,
  base: NodeJS.ProcessEnv = process.env,
): { spec: SourcesSpec; env: NodeJS.ProcessEnv } {
  return {
    spec: {
      openstack: [{ cloud: 'demo' }],
      kubernetes: [{ kubeconfig: demo.kubeconfig }],
      netbox: { url: demo.netboxUrl, tokenEnv: 'GXG_DEMO_NETBOX_TOKEN' },
      scsReports: [demo.scsReport],
    },
    env: { ...base, OS_CLIENT_CONFIG_FILE: demo.cloudsYaml, GXG_DEMO_NETBOX_TOKEN: demo.netboxToken },
  };
}
