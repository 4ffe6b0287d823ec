import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { packageRoot } from '../paths.js';
import { startFakeKubernetes } from './kubernetes.js';
import { startFakeNetBox } from './netbox.js';
import { startFakeOpenStack, type FakeOpenStack } from './openstack.js';

export interface DemoCloud {
  cloudsYaml: string;
  kubeconfig: string;
  netboxUrl: string;
  netboxToken: string;
  scsReport: string;
  /** The demo's OpenStack (to change the cloud under a running gateway: delete an image). */
  openstack: FakeOpenStack;
  /** Where its peers listen (logged at start as "demo ports"). */
  urls: { openstack: string; kubernetes: string; netbox: string };
  close(): Promise<void>;
}

/**
 * The demo cloud: the peers of src/demo (OpenStack seeded with SCS content, Kubernetes with
 * Cluster API and cluster stacks, NetBox with sites) on loopback ports, plus a sample SCS report.
 * Fixed `ports` keep its endpoint URLs (which its credentials name) the same across restarts.
 */
export async function startDemoCloud(opts: { ports?: [number, number, number] } = {}): Promise<DemoCloud> {
  const [osPort, k8sPort, nbPort] = opts.ports ?? [0, 0, 0];
  const started = await Promise.allSettled([
    startFakeOpenStack({ port: osPort }),
    startFakeKubernetes({ port: k8sPort }),
    startFakeNetBox({ port: nbPort }),
  ] as const);
  const failure = started.find((s) => s.status === 'rejected');
  if (failure) {
    await Promise.all(started.map((s) => (s.status === 'fulfilled' ? s.value.close() : undefined)));
    throw (failure as PromiseRejectedResult).reason;
  }
  const [os, k8s, nb] = started.map((s) => (s as PromiseFulfilledResult<unknown>).value) as [
    Awaited<ReturnType<typeof startFakeOpenStack>>,
    Awaited<ReturnType<typeof startFakeKubernetes>>,
    Awaited<ReturnType<typeof startFakeNetBox>>,
  ];
  const dir = mkdtempSync(join(tmpdir(), 'gxg-demo-'));
  const cloudsYaml = join(dir, 'clouds.yaml');
  writeFileSync(cloudsYaml, os.cloudsYaml('demo'), { mode: 0o600 });
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, k8s.kubeconfig, { mode: 0o600 });
  return {
    cloudsYaml,
    kubeconfig,
    netboxUrl: nb.url,
    netboxToken: nb.token,
    scsReport: join(packageRoot, 'data', 'demo', 'scs-report-iaas.yaml'),
    openstack: os,
    urls: { openstack: os.url, kubernetes: k8s.url, netbox: nb.url },
    async close() {
      await Promise.all([os.close(), k8s.close(), nb.close()]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
