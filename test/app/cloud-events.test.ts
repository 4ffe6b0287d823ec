// The notification settings are checked at start: a clear error that names what to fix (the
// variable, never its value: the URL holds the broker's password).
import t from 'tap';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { cloudEvents } from '../../src/app/cloud-events.js';
import { loadConfig } from '../../src/config/load.js';
import { createMetrics } from '../../src/http/metrics.js';
import type { CloudRunner } from '../../src/pipeline/runner.js';
import { Store } from '../../src/store/store.js';
import { startFakeKubernetes } from '../../src/demo/kubernetes.js';
import { sqliteDatabase } from '../helpers/databases.js';
import { until } from '../helpers/wait.js';

const quiet = { info() {}, warn() {}, error() {} };
const dir = mkdtempSync(join(tmpdir(), 'gxg-cloud-events-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const events = (notifications: Record<string, unknown>, env: Record<string, string>, useSources = true) => {
  const file = join(dir, 'gx-gateway.yaml');
  writeFileSync(
    file,
    stringify({
      publicBaseUrl: 'https://provider.example',
      sources: { openstack: [{ cloud: 'production', notifications }] },
      clouds: [{ id: 'production', useSources }],
    }),
  );
  const loaded = loadConfig({ file, env: {} });
  return cloudEvents(loaded, {
    runner: { holder: 'test' } as CloudRunner,
    store: {} as Store,
    metrics: createMetrics(),
    log: quiet,
    leaseMs: 1000,
    env,
  });
};

t.test('the broker URL: set, amqps, or amqp to loopback', async (t) => {
  t.throws(() => events({ urlEnv: 'OPENSTACK_AMQP_URL' }, {}), {
    code: 'bad-config',
    message: /sources\.openstack\[0\]\.notifications\.urlEnv: the variable OPENSTACK_AMQP_URL is not set/,
  });
  t.throws(() => events({ urlEnv: 'U' }, { U: 'https://rabbit.example' }), { message: /amqps:\/\/ or amqp:\/\// });
  t.throws(() => events({ urlEnv: 'U' }, { U: 'not a url' }), { message: /U does not hold a URL/ });
  let err: Error | undefined;
  try {
    events({ urlEnv: 'U' }, { U: 'amqp://gx:s3cret-password@rabbit.example:5672/openstack' });
  } catch (e) {
    err = e as Error;
  }
  t.match(err, {
    code: 'bad-config',
    message: /amqp:\/\/ \(no TLS\) to another host: use amqps:\/\/, or set .*allowPlaintext/,
  });
  t.notMatch(err?.message, /s3cret/, 'the password is never part of a message');
  const plain = events({ urlEnv: 'U', allowPlaintext: true }, { U: 'amqp://gx:pw@rabbit.example:5672/openstack' });
  t.ok(plain, 'unless the operator allows it');
  t.ok(events({ urlEnv: 'U' }, { U: 'amqp://guest:guest@127.0.0.1:5672/gxosl' }), 'loopback');
  t.ok(events({ urlEnv: 'U' }, { U: 'amqps://gx:pw@rabbit.example:5671/openstack' }), 'TLS');
  t.equal(events({ urlEnv: 'U' }, {}, false), undefined, 'no cloud reads these sources: nothing to consume');
});

t.test('the NetBox webhook secret: set, and long enough', async (t) => {
  const file = join(dir, 'hooks.yaml');
  const config = (env: Record<string, string>) => {
    writeFileSync(
      file,
      stringify({
        publicBaseUrl: 'https://provider.example',
        sources: { netbox: { url: 'https://netbox.example', webhook: { secretEnv: 'NB_SECRET' } } },
        clouds: [{ id: 'production', useSources: true }],
      }),
    );
    return cloudEvents(loadConfig({ file, env: {} }), {
      runner: { holder: 'test' } as CloudRunner,
      store: {} as Store,
      metrics: createMetrics(),
      log: quiet,
      leaseMs: 1000,
      env,
    });
  };
  t.throws(() => config({}), { code: 'bad-config', message: /the variable NB_SECRET is not set/ });
  t.throws(() => config({ NB_SECRET: 'short' }), { message: /fewer than 16 characters/ });
  t.ok(config({ NB_SECRET: 'a-long-enough-secret-value' })?.netboxHook, 'a webhook receiver');
});

t.test('a Kubernetes watch taken over from another instance runs the cloud once', async (t) => {
  const fake = await startFakeKubernetes();
  const db = sqliteDatabase();
  const store = await Store.open(db.location);
  t.teardown(async () => {
    await store.close();
    await fake.close();
    await db.drop();
  });
  const kubeconfig = join(dir, 'kubeconfig');
  writeFileSync(kubeconfig, fake.kubeconfig);
  const file = join(dir, 'watch.yaml');
  writeFileSync(
    file,
    stringify({
      publicBaseUrl: 'https://provider.example',
      sources: { kubernetes: [{ kubeconfig, watch: true }] },
      clouds: [{ id: 'kube', useSources: true }],
      scheduler: { events: { quietSeconds: 0, minIntervalSeconds: 0 } },
    }),
  );
  const loaded = loadConfig({ file, env: {} });
  const runs: { holder: string; types: Record<string, number> }[] = [];
  const instance = (holder: string) =>
    cloudEvents(loaded, {
      runner: {
        holder,
        async run(_cloud: string, _trigger: string, opts: { cause: { types: Record<string, number> } }) {
          runs.push({ holder, types: opts.cause.types });
          return {};
        },
      } as unknown as CloudRunner,
      store,
      metrics: createMetrics(),
      log: quiet,
      leaseMs: 600,
    })!;
  const a = instance('instance-a');
  const b = instance('instance-b');
  a.start();
  await until(() => a.states().kube === 'consuming', 20_000, 'a consuming');
  b.start();
  await until(() => b.states().kube === 'standby', 20_000, 'b standing by');
  t.same(runs, [], 'the first watch starts with nothing to run (the start-up run covers it)');
  fake.apply('clusters', {
    metadata: { name: 'while-a', namespace: 'project-a' },
    spec: { topology: { version: 'v1.32.0' } },
  });
  await until(() => runs.length === 1, 20_000, 'the run of a change a saw');
  t.match(runs[0], { holder: 'instance-a', types: { 'kubernetes.cluster.added': 1 } });
  await a.stop();
  // Nobody watches: a change now is seen by no watch; b takes over and runs the cloud once.
  fake.apply('clusters', {
    metadata: { name: 'in-the-gap', namespace: 'project-a' },
    spec: { topology: { version: 'v1.32.9' } },
  });
  await until(() => b.states().kube === 'consuming', 20_000, 'b consuming');
  await until(() => runs.length === 2, 20_000, 'the resync run');
  t.match(runs[1], { holder: 'instance-b', types: { 'kubernetes.resync': 1 } });
  await b.stop();
});
