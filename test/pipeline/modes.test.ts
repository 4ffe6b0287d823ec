// signing.mode at the runner: approval keeps drafts and signs nothing (not even a status list);
// switched back to auto, a run publishes and every pending draft becomes obsolete (approving it
// later would put older content over newer).
import t from 'tap';
import { DEMO_PROVIDER } from '../../src/config/load.js';
import { startDemoCloud } from '../../src/demo/cloud.js';
import { demoSources } from '../../src/app/demo.js';
import { CloudRunner } from '../../src/pipeline/runner.js';
import { Store } from '../../src/store/store.js';
import { Approvals } from '../../src/approval/approvals.js';
import { sqliteDatabase } from '../helpers/databases.js';
import { tempGateway } from '../helpers/gateway.js';

const gw = tempGateway({ provider: DEMO_PROVIDER });
t.teardown(() => gw.cleanup());
await gw.service.keys.create({ type: 'RSA', rsaBits: 2048, id: 'rsa' });
const demo = await startDemoCloud();
t.teardown(() => demo.close());
const { spec, env } = demoSources(demo, { HOME: '/nonexistent' });
const db = sqliteDatabase();
t.teardown(() => db.drop());
const store = await Store.open(db.location);
t.teardown(() => store.close());
await store.clouds.put(
  {
    id: 'demo',
    name: 'Demo',
    sources: '{"demo":true}',
    profiles: '["gaia-x-25.11"]',
    interval_seconds: 60,
    enabled: 1,
  },
  'test',
);
let signatures = 0;
const signer = new Proxy(gw.service, {
  get(target, prop, receiver) {
    const v = Reflect.get(target, prop, receiver) as unknown;
    if (typeof v !== 'function') return v;
    return (...args: unknown[]) => {
      if (prop === 'signSet' || prop === 'signCredential' || prop === 'signValidated') signatures++;
      return (v as (...a: unknown[]) => unknown).apply(target, args);
    };
  },
});
const runner = (approval: boolean, on = store) =>
  new CloudRunner({
    store: on,
    signer,
    canonizer: gw.service.canonizer,
    baseUrl: 'https://provider.example',
    provider: gw.service.loaded.config.provider!,
    resolveSources: async () => ({ spec, env }),
    leaseMs: 30_000,
    statusListSize: 1024,
    approval,
  });

t.test('approval mode: drafts, no signature at all', async (t) => {
  const r = await runner(true).run('demo', 'manual');
  t.equal('run' in r && r.run.state, 'succeeded');
  t.equal(signatures, 0, 'nothing signed: credentials and status lists wait for an officer');
  const drafts = await store.drafts.list({ states: ['draft'] });
  t.ok(drafts.length > 90);
  t.equal((await store.statusLists.of('demo', 'gaia-x-25.11'))[0]!.body, '', 'the status list is recorded, not signed');
  const again = await runner(true).run('demo', 'manual');
  t.equal('run' in again && JSON.parse(again.run.summary)['gaia-x-25.11'].pending, drafts.length, 'kept as they are');
  t.equal((await store.drafts.list({ states: ['draft'] })).length, drafts.length);
});

t.test('back to auto: published, and the pending drafts obsolete', async (t) => {
  const drafts = await store.drafts.list({ states: ['draft'] });
  const r = await runner(false).run('demo', 'manual');
  t.equal('run' in r && r.run.state, 'succeeded');
  t.ok(signatures > 0);
  t.equal((await store.drafts.list({ states: ['draft'] })).length, 0, 'no draft left to approve');
  const obsolete = await store.drafts.list({ states: ['obsolete'] });
  t.equal(obsolete.length, drafts.length);
  const published = await store.credentials.list({ state: 'published', limit: 1000 });
  t.equal(published.length, drafts.length);
  t.ok(
    obsolete.every((o) => published.some((p) => p.id === o.superseded_by && p.base_id === o.base_id)),
    'each replaced by the version published for its resource',
  );
  t.ok((await store.statusLists.of('demo', 'gaia-x-25.11'))[0]!.body, 'the status list is signed now');
});

t.test("approved late: the run's validFrom kept; expired: refused with what the officer can do", async (t) => {
  const own = sqliteDatabase();
  t.teardown(() => own.drop());
  const store = await Store.open(own.location);
  t.teardown(() => store.close());
  await store.clouds.put(
    { id: 'demo', name: 'Demo', sources: '{}', profiles: '["gaia-x-25.11"]', interval_seconds: 60, enabled: 1 },
    'test',
  );
  await runner(true, store).run('demo', 'manual');
  const [late, expired] = await store.drafts.list({ states: ['draft'] });
  const approvals = new Approvals({ store, signer, leaseMs: 30_000, defaultSuite: 'jws2020' });
  const body = JSON.parse(expired!.body) as Record<string, unknown>;
  await store.db
    .updateTable('credentials')
    .set({ body: JSON.stringify({ ...body, validUntil: '2026-01-01T00:00:00Z' }) })
    .where('id', '=', expired!.id)
    .execute();
  const refused = await approvals.approve({ ids: [expired!.id] }, 'officer').then(
    () => undefined,
    (e: Error) => e,
  );
  t.match(refused?.message, /expired on 2026-01-01T00:00:00Z \(validUntil\) before it was approved: reject it/);
  t.notMatch(refused?.message, /allow-expired/, 'no option the officer commands do not have');
  await t.rejects(approvals.signingInput(expired!.id, { key: 'any' }), /expired on/);
  t.equal((await store.credentials.get(expired!.id))!.state, 'draft', 'nothing decided');
  await approvals.approve({ ids: [late!.id] }, 'officer');
  const signed = JSON.parse((await store.credentials.get(late!.id))!.body) as {
    validFrom: string;
    proof: { created: string };
  };
  t.equal(signed.validFrom, (JSON.parse(late!.body) as { validFrom: string }).validFrom, "the run's validFrom");
  t.ok(signed.proof.created >= signed.validFrom, 'signed at approval');
  await approvals.reject({ ids: [expired!.id] }, 'expired before approval', 'officer');
  t.equal((await store.credentials.get(expired!.id))!.state, 'rejected', 'an expired draft can be rejected');
});
