// Two gateways on one PostgreSQL never run the same cloud at once: the lease in the database
// decides, not a process lock.
import t from 'tap';
import { demoSources } from '../../src/app/demo.js';
import { startDemoCloud } from '../../src/demo/cloud.js';
import { postgresDatabase } from '../helpers/databases.js';
import { removeDir, startService } from '../helpers/service.js';
import { until } from '../helpers/wait.js';

const db = await postgresDatabase();
t.teardown(() => db.drop());
// One cloud both gateways introspect: the demo cloud, named in their `sources` like a real one.
const demo = await startDemoCloud();
t.teardown(() => demo.close());
const { spec, env } = demoSources(demo);
process.env.OS_CLIENT_CONFIG_FILE = env.OS_CLIENT_CONFIG_FILE;
process.env.GXG_DEMO_NETBOX_TOKEN = env.GXG_DEMO_NETBOX_TOKEN;
// One profile: what is tested is who runs the cloud, not how much a run describes.
const config = {
  sources: spec,
  clouds: [{ id: 'shared', useSources: true, intervalSeconds: 1, profiles: ['gaia-x-25.11'] }],
  scheduler: { tickSeconds: 0.05, leaseSeconds: 10 },
};

t.test('two instances, one cloud, due every second', async (t) => {
  const a = await startService(db.location, config);
  const b = await startService(db.location, config);
  t.teardown(async () => {
    await Promise.all([a.close(), b.close()]);
    removeDir(a.dir);
    removeDir(b.dir);
  });
  // Both try at once as well.
  const [ra, rb] = await Promise.all([
    a.gw.service.runner.run('shared', 'manual'),
    b.gw.service.runner.run('shared', 'manual'),
  ]);
  t.ok([ra, rb].filter((r) => 'busy' in r).length >= 1, 'two simultaneous runs: not both run (the other is busy)');
  // Until at least three runs have finished and both instances have had the cloud: the event,
  // however long a busy machine takes for it.
  const finished = async () =>
    (await a.gw.service.store.runs.list({ cloud: 'shared', limit: 1000 })).filter((r) => r.state !== 'running');
  await until(
    async () => {
      const done = await finished();
      return done.length >= 3 && new Set(done.map((r) => r.holder)).size === 2;
    },
    60_000,
    'three finished runs by both instances',
  );
  await Promise.all([a.gw.service.scheduler!.stop(), b.gw.service.scheduler!.stop()]);
  const runs = (await a.gw.service.store.runs.list({ cloud: 'shared', limit: 1000 })).reverse();
  t.ok(runs.length >= 3, `${runs.length} runs`);
  t.ok(new Set(runs.map((r) => r.holder)).size === 2, 'both instances ran it');
  const overlaps = runs.slice(1).filter((r, i) => !runs[i]!.finished_at || runs[i]!.finished_at! > r.started_at);
  t.same(
    overlaps.map((r) => r.id),
    [],
    'no run started before the previous one finished',
  );
  t.ok(
    runs.every((r) => ['succeeded', 'abandoned'].includes(r.state)),
    runs.map((r) => `${r.state}${r.error ? `: ${r.error}` : ''}`).join('; '),
  );
});
