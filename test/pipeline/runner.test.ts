// The service's pipeline: runs a cloud into the store on SQLite and PostgreSQL. Unchanged resources
// keep their credential, a changed one supersedes, a vanished one is revoked only after a complete
// introspection (status bit set, feed event), two runners never run one cloud at once.
import t from 'tap';
import { DEMO_PROVIDER } from '../../src/config/load.js';
import { startDemoCloud } from '../../src/demo/cloud.js';
import { demoSources } from '../../src/app/demo.js';
import { CloudRunner } from '../../src/pipeline/runner.js';
import { Bitstring } from '../../src/status/bitstring.js';
import { Store } from '../../src/store/store.js';
import { bothDatabases, sqliteDatabase } from '../helpers/databases.js';
import { tempGateway } from '../helpers/gateway.js';
import { verifyJws2020 } from '../helpers/independent.js';

const gw = tempGateway({ provider: DEMO_PROVIDER });
t.teardown(() => gw.cleanup());
await gw.service.keys.create({ type: 'RSA', rsaBits: 2048, id: 'rsa' });
const demo = await startDemoCloud();
t.teardown(() => demo.close());
const { spec, env } = demoSources(demo, { HOME: '/nonexistent' });
let sources = spec;

for (const db of await bothDatabases()) {
  t.test(db.name, async (t) => {
    t.teardown(() => db.drop());
    const store = await Store.open(db.location);
    t.teardown(() => store.close());
    await store.clouds.put(
      {
        id: 'demo',
        name: 'Demo',
        sources: '{"demo":true}',
        profiles: '["gaia-x-25.11","tagus-22.10"]',
        interval_seconds: 60,
        enabled: 1,
      },
      'test',
    );
    const runner = (holder?: string) =>
      new CloudRunner({
        store,
        signer: gw.service,
        canonizer: gw.service.canonizer,
        baseUrl: 'https://provider.example',
        provider: gw.service.loaded.config.provider!,
        resolveSources: async () => ({ spec: sources, env }),
        leaseMs: 30_000,
        statusListSize: 1024,
        ...(holder ? { holder } : {}),
      });
    const first = await runner().run('demo', 'manual');
    t.ok('run' in first);
    const run1 = 'run' in first ? first.run : undefined!;
    t.equal(run1.state, 'succeeded', run1.error ?? '');
    const published = await store.credentials.list({ state: 'published', limit: 1000 });
    t.ok(published.length > 90, `${published.length} credentials published`);
    t.ok(published.every((c) => c.version === 1 && c.id === `${c.base_id}/v/1`));
    const one = (await store.credentials.get(
      published.find((c) => c.profile === 'gaia-x-25.11' && c.clearing_house === 1)!.id,
    ))!;
    const doc = JSON.parse(one.body) as Record<string, unknown>;
    t.equal(doc.id, one.id, 'the credential carries its own version URL');
    t.match(doc.credentialStatus, { type: 'BitstringStatusListEntry', statusPurpose: 'revocation' });
    const tagus = (await store.credentials.get(
      published.find((c) => c.profile === 'tagus-22.10' && c.clearing_house === 1)!.id,
    ))!;
    t.match(JSON.parse(tagus.body).credentialStatus, { type: 'StatusList2021Entry' });
    const didDocument = await gw.service.didDocument();
    t.ok(await verifyJws2020(JSON.parse(one.body), didDocument), 'a stored 25.11 credential verifies independently');
    t.ok(await verifyJws2020(JSON.parse(tagus.body), didDocument), 'a stored Tagus credential verifies independently');

    const again = await runner().run('demo', 'manual');
    const run2 = 'run' in again ? again.run : undefined!;
    t.equal(run2.state, 'succeeded');
    t.equal((await store.credentials.list({ state: 'published', limit: 1000 })).length, published.length);
    t.same(JSON.parse(run2.summary)['gaia-x-25.11'].published, 0, 'an unchanged cloud re-run signs nothing new');
    t.same(JSON.parse(run1.stages).describeValidate.unchanged, undefined, 'the first run validates every profile');
    t.same(
      (JSON.parse(run2.stages) as { describeValidate: { unchanged?: string[] } }).describeValidate.unchanged,
      ['gaia-x-25.11', 'tagus-22.10'],
      'the re-run validates nothing again: both sets are exactly what is published',
    );

    // A source fails: nothing revoked (on one database: the rule is the runner's, not the store's).
    if (db.name === 'sqlite') {
      sources = { ...spec, openstack: [{ cloud: 'nonexistent' }] };
      const partial = await runner().run('demo', 'manual');
      const run3 = 'run' in partial ? partial.run : undefined!;
      t.not(run3.state, 'succeeded');
      t.equal(
        (await store.credentials.list({ state: 'revoked', limit: 10 })).length,
        0,
        'a failed source revokes nothing',
      );
      sources = spec;
    }

    // Two runners on one cloud: the second is busy.
    const a = runner('host-a:1:x');
    const b = runner('host-b:2:y');
    const [ra, rb] = await Promise.all([a.run('demo', 'manual'), b.run('demo', 'manual')]);
    t.equal([ra, rb].filter((r) => 'busy' in r).length, 1, 'one of two simultaneous runs is busy');

    // An image vanishes: after a complete run its credentials are revoked (bit set, feed event).
    const imageId = demo.openstack
      .imageIds()
      .find((id) => published.some((c) => c.base_id.endsWith(`/images/${id}`) && c.profile === 'gaia-x-25.11'))!;
    t.ok(imageId, 'a described image');
    t.ok(demo.openstack.deleteImage(imageId));
    const afterDelete = await runner().run('demo', 'manual');
    const run5 = 'run' in afterDelete ? afterDelete.run : undefined!;
    t.equal(run5.state, 'succeeded', run5.error ?? '');
    t.notOk(
      (JSON.parse(run5.stages) as { describeValidate: { unchanged?: string[] } }).describeValidate.unchanged?.includes(
        'gaia-x-25.11',
      ),
      'something gone: the set is validated again',
    );
    const revoked = await store.credentials.list({ state: 'revoked', limit: 100 });
    t.ok(
      revoked.length >= 1 && revoked.every((c) => c.base_id.includes(imageId)),
      `${revoked.length} revoked, all of the image`,
    );
    for (const r of revoked) {
      const list = (await store.statusLists.get(r.status_list))!;
      t.ok(Bitstring.fromBase64(list.bits, list.size).get(r.status_index), 'its status bit is set');
      const served = JSON.parse(list.body) as { credentialSubject: { encodedList: string } };
      t.ok(Bitstring.decode(served.credentialSubject.encodedList).get(r.status_index), 'and in the signed list');
    }
    const feed = await store.events.after(0, 10000);
    t.ok(
      feed.some((e) => e.type === 'revoked' && e.base_id.includes(imageId)),
      'a revoked event in the feed',
    );

    const events = await store.events.after(0, 10000);
    const all = await store.credentials.list({ limit: 10000 });
    t.equal(events.filter((e) => e.type === 'published').length, all.length, 'one published event per version');
    const live = all.find((c) => c.state === 'published')!;
    const list = (await store.statusLists.get(live.status_list))!;
    t.notOk(Bitstring.fromBase64(list.bits, list.size).get(live.status_index), 'a live credential’s bit is clear');
  });
}

t.test('a run over its time limit is stopped between stages: abandoned, nothing published', async (t) => {
  const db = sqliteDatabase();
  t.teardown(() => db.drop());
  const store = await Store.open(db.location);
  t.teardown(() => store.close());
  await store.clouds.put(
    { id: 'slow', name: 'Slow', sources: '{}', profiles: '["gaia-x-25.11"]', interval_seconds: 60, enabled: 1 },
    'test',
  );
  const runner = new CloudRunner({
    store,
    signer: gw.service,
    canonizer: gw.service.canonizer,
    baseUrl: 'https://provider.example',
    provider: gw.service.loaded.config.provider!,
    resolveSources: async () => ({ spec, env }),
    leaseMs: 30_000,
    runTimeoutMs: 1,
  });
  const r = await runner.run('slow', 'manual');
  const run = 'run' in r ? r.run : undefined!;
  t.equal(run.state, 'abandoned');
  t.match(run.error, /runTimeoutSeconds/);
  t.equal((await store.credentials.list({ limit: 10 })).length, 0, 'nothing published');
});
