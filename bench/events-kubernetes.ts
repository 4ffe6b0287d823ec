// Kubernetes change → served credential (issue 21), on the demo Kubernetes API (src/demo/kubernetes:
// watch streams as kube-apiserver serves them): BENCH_CLUSTERS (default 20) Cluster API clusters
// created one after another, each with a Kubernetes version of its own, each timed from the create to
// the ContainerServiceOffering naming its version being served; the floor is the event run's own
// duration. Then noise, 500 node heartbeats (no change to what is described: no run), and a storm,
// 500 cluster phase changes in a few seconds (each a change: the runs it costs). Default quiet
// period (2 s) and longest delay (30 s), no minimum interval. Also run alone: node dist/bench/events-kubernetes.js
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { startGateway } from '../src/app/server.js';
import { DEMO_PROVIDER, loadConfig } from '../src/config/load.js';
import { startFakeKubernetes } from '../src/demo/kubernetes.js';
import { until } from '../test/helpers/openstack-api.js';
import { goal } from './harness.js';

const CLUSTERS = Number(process.env.BENCH_CLUSTERS ?? 20);
const STORM = 500;
const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

export async function benchKubernetesEvents(): Promise<void> {
  console.log('\n== events: a Cluster created → the ContainerServiceOffering naming its version served (watch)');
  const kube = await startFakeKubernetes();
  const dir = mkdtempSync(join(tmpdir(), 'gxg-bench-kevents-'));
  writeFileSync(join(dir, 'kubeconfig'), kube.kubeconfig, { mode: 0o600 });
  writeFileSync(
    join(dir, 'gx-gateway.yaml'),
    stringify({
      publicBaseUrl: 'http://gateway.test',
      server: { port: 0, host: '127.0.0.1' },
      keys: { dir: 'keys', generateDevKeys: true },
      log: { level: 'silent' },
      database: { file: 'gx.sqlite' },
      provider: DEMO_PROVIDER,
      sources: { kubernetes: [{ kubeconfig: 'kubeconfig', watch: true }] },
      clouds: [{ id: 'bench', name: 'management cluster', useSources: true, intervalSeconds: 3600 }],
      scheduler: { tickSeconds: 0.5, events: { minIntervalSeconds: 0 } },
    }),
  );
  const gw = await startGateway(loadConfig({ file: join(dir, 'gx-gateway.yaml'), env: {} }));
  const store = gw.service.store;
  const offering = async (version: string) => {
    const rows = await store.credentials.list({ cloud: 'bench', state: 'published', limit: 1000 });
    const row = rows.find((r) => /\/kubernetes\/[^/]+\/offering$/.test(r.base_id) && r.profile === 'gaia-x-25.11');
    return row && (await store.credentials.get(row.id))?.body.includes(version) ? row : undefined;
  };
  const runCount = async () => (await store.runs.list({ cloud: 'bench', limit: 10_000 })).length;
  const cluster = (name: string, version: string, phase = 'Provisioning') => ({
    apiVersion: 'cluster.x-k8s.io/v1beta2',
    kind: 'Cluster',
    metadata: { name, namespace: 'project-a' },
    spec: { topology: { classRef: { name: 'openstack-scs-1-31-v2' }, version } },
    status: { phase },
  });
  try {
    await until('the first run', async () => {
      const run = await store.runs.last('bench');
      return run && run.state !== 'running' ? run : undefined;
    });
    await until('the watch', async () => ((await gw.service.ready())['events:bench'] ? true : undefined));
    const latencies: number[] = [];
    const runMs: number[] = [];
    for (let i = 0; i < CLUSTERS; i++) {
      const version = `v1.40.${i}`;
      const t0 = performance.now();
      kube.apply('clusters', cluster(`bench-${i}`, version));
      await until(`cluster ${i}`, () => offering(version.slice(1)), 120_000);
      latencies.push(performance.now() - t0);
      const [run] = await store.runs.list({ cloud: 'bench', limit: 1 });
      if (run?.trigger === 'event' && run.finished_at)
        runMs.push(Date.parse(run.finished_at) - Date.parse(run.started_at));
    }
    const sorted = [...latencies].sort((a, b) => a - b);
    const p50 = pct(sorted, 50);
    const p99 = pct(sorted, 99);
    const floor = pct(
      [...runMs].sort((a, b) => a - b),
      50,
    );
    console.log(
      `  ${CLUSTERS} clusters: create → served p50 ${(p50 / 1000).toFixed(2)} s, p99 ${(p99 / 1000).toFixed(2)} s; the event run itself (floor) p50 ${(floor / 1000).toFixed(2)} s (×${(p50 / floor).toFixed(2)})`,
    );

    // Noise: node heartbeats (a MODIFIED event each, nothing described changes).
    const node = {
      metadata: {
        name: 'worker-0',
        labels: {
          'kubernetes.io/arch': 'amd64',
          'kubernetes.io/os': 'linux',
          'kubernetes.io/hostname': 'worker-0',
          'topology.kubernetes.io/region': 'RegionOne',
          'topology.kubernetes.io/zone': 'az-a',
        },
      },
      status: {
        conditions: [{ type: 'Ready', status: 'True', reason: 'KubeletReady', lastHeartbeatTime: '' }],
        nodeInfo: {
          kubeletVersion: 'v1.31.4',
          architecture: 'amd64',
          operatingSystem: 'linux',
          osImage: 'Ubuntu 24.04.1 LTS',
          containerRuntimeVersion: 'containerd://1.7.24',
          kernelVersion: '6.8.0-49-generic',
        },
      },
    };
    let before = await runCount();
    let t0 = performance.now();
    for (let i = 0; i < STORM; i++) {
      node.status.conditions[0]!.lastHeartbeatTime = new Date(Date.UTC(2026, 11, 4, 0, 0, i)).toISOString();
      kube.apply('nodes', structuredClone(node));
      if (i % 50 === 49) await new Promise((r) => setTimeout(r, 100));
    }
    const noiseMs = performance.now() - t0;
    await new Promise((r) => setTimeout(r, 3000)); // a quiet period and then some: no run may start
    const noiseRuns = (await runCount()) - before;
    console.log(`  noise: ${STORM} node heartbeats in ${(noiseMs / 1000).toFixed(1)} s cost ${noiseRuns} runs`);

    // Storm: a cluster's phase flipping (each a change to what is described).
    before = await runCount();
    t0 = performance.now();
    for (let i = 0; i < STORM; i++) {
      kube.apply('clusters', cluster('bench-0', 'v1.40.0', i % 2 ? 'Provisioned' : 'Provisioning'));
      if (i % 50 === 49) await new Promise((r) => setTimeout(r, 1000));
    }
    const stormMs = performance.now() - t0;
    const stormEnd = Date.now();
    await until(
      'the storm settled',
      async () => {
        const [last] = await store.runs.list({ cloud: 'bench', limit: 1 });
        return Date.now() > stormEnd + 4_000 && last && last.state !== 'running' ? last : undefined;
      },
      180_000,
    );
    const cost = (await runCount()) - before;
    console.log(`  storm: ${STORM} cluster changes in ${(stormMs / 1000).toFixed(1)} s cost ${cost} runs`);
    goal(
      `goal events (Kubernetes): create → served p50 ${(p50 / 1000).toFixed(2)} s, p99 ${(p99 / 1000).toFixed(2)} s over ${CLUSTERS} clusters (goal p99 ≤ 10 s), ×${(p50 / floor).toFixed(2)} of the run itself; ${STORM} heartbeats cost ${noiseRuns} runs (goal 0); ${STORM} changes in ${(stormMs / 1000).toFixed(1)} s cost ${cost} runs (goal ≤ 3)`,
    );
  } finally {
    await gw.close();
    await kube.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await benchKubernetesEvents();
