// The store's side of compliance on SQLite and on PostgreSQL: what clearing houses answered, the
// current credential replaced by the next in the same transaction as the events it queues, a failed
// write leaving nothing behind, what is due for renewal, and the outbox look-ups publishing uses.
import t from 'tap';
import { cloudLease, Store, type ComplianceRow } from '../../src/store/store.js';
import { bothDatabases } from '../helpers/databases.js';

const answer = (id: string, extra: Partial<ComplianceRow> = {}): Omit<ComplianceRow, 'created_at'> => ({
  id,
  cloud_id: 'demo',
  profile: 'tagus-22.10',
  set_hash: 'a'.repeat(64),
  state: 'issued',
  clearing_house: 'lab',
  body: 'header.payload.signature',
  media_type: 'application/vc+jwt',
  covered: '["https://x.example/c/1"]',
  message: null,
  valid_until: '2027-03-01T00:00:00.000Z',
  issued_ids: '[]',
  ...extra,
});
const event = (id: string) => ({ id, target: 'credential-events', action: 'event', subject: id, payload: '{}' });

for (const db of await bothDatabases()) {
  t.test(db.name, async (t) => {
    const store = await Store.open(db.location);
    t.teardown(() => store.close());
    await store.clouds.put(
      { id: 'demo', name: 'Demo', sources: '{}', profiles: '["tagus-22.10"]', interval_seconds: 60, enabled: 1 },
      'test',
    );

    await store.compliance.record(answer('https://gw.example/compliance/1'), [event('ev:1')]);
    await store.compliance.record(
      answer('https://gw.example/compliance/2', { valid_until: '2027-06-01T00:00:00.000Z' }),
      [event('ev:2')],
    );
    t.equal(
      (await store.compliance.get('https://gw.example/compliance/1'))!.state,
      'replaced',
      'the older one replaced',
    );
    t.equal((await store.compliance.latest('demo', 'tagus-22.10'))!.id, 'https://gw.example/compliance/2');
    t.same(
      (await store.compliance.list({ current: true })).map((r) => r.id),
      ['https://gw.example/compliance/2'],
      'one current per cloud and profile',
    );
    t.same(
      [...(await store.outbox.existingIds(['ev:1', 'ev:2', 'ev:3']))].sort(),
      ['ev:1', 'ev:2'],
      'events queued with them',
    );

    // A write that fails (the same id again) leaves nothing: the current one stays, no event, no audit.
    const audit = (await store.audit.after(0, 1000)).length;
    await t.rejects(store.compliance.record(answer('https://gw.example/compliance/2'), [event('ev:3')]));
    t.equal((await store.compliance.get('https://gw.example/compliance/2'))!.state, 'issued', 'not replaced');
    t.equal((await store.outbox.existingIds(['ev:3'])).size, 0, 'no event queued');
    t.equal((await store.audit.after(0, 1000)).length, audit, 'nothing audited');

    await store.compliance.record(
      answer('https://gw.example/compliance/3', {
        profile: 'gaia-x-25.11',
        state: 'rejected',
        body: '',
        media_type: '',
        message: '409: refused',
        valid_until: null,
      }),
    );
    t.equal((await store.compliance.latest('demo', 'gaia-x-25.11'))!.state, 'rejected');
    t.equal(
      (await store.compliance.get('https://gw.example/compliance/2'))!.state,
      'issued',
      'a refusal replaces nothing',
    );
    t.same(
      (await store.compliance.due('2027-07-01T00:00:00.000Z')).map((r) => r.id),
      ['https://gw.example/compliance/2'],
      'due: the issued one ending before the date',
    );
    t.same(await store.compliance.due('2027-05-01T00:00:00.000Z'), []);

    // The change feed: each issued one published, the one it replaced superseded (in the same
    // transaction); the listing's compliance kind; one past its validity expired, an event too.
    const feed = async () =>
      (await store.events.after(0, 1000)).map(
        (e) => `${e.type} ${e.credential_id.replace('https://gw.example/compliance/', '')}`,
      );
    t.same(await feed(), ['published 1', 'superseded 1', 'published 2'], 'issued and replaced, in the change feed');
    t.same(
      (await store.compliance.listCredentials({ limit: 10 })).map((r) => [r.id.slice(-1), r.state]),
      [
        ['1', 'replaced'],
        ['2', 'issued'],
      ],
      'listed: issued and replaced, refusals not',
    );
    t.equal(await store.compliance.expire(new Date('2027-05-01T00:00:00.000Z')), 0, 'nothing past its validity yet');
    t.equal(await store.compliance.expire(new Date('2027-06-02T00:00:00.000Z')), 1);
    t.equal((await store.compliance.get('https://gw.example/compliance/2'))!.state, 'expired');
    t.same((await feed()).at(-1), 'expired 2', 'expired, in the change feed');
    t.same(await store.compliance.list({ current: true }), [], 'none current now');
    t.equal(await store.compliance.expire(new Date('2027-06-02T00:00:00.000Z')), 0, 'expired once');

    await store.catalogue.put('fc', 'https://x.example/c/1', 'ref-1', 'active');
    await store.catalogue.put('fc', 'https://x.example/c/2', 'ref-2', 'revoked');
    t.same([...(await store.catalogue.activeIds('fc'))], ['https://x.example/c/1'], 'only active entries');
    const many = Array.from({ length: 1203 }, (_, i) => ({ ...event(`bulk:${i}`), target: 'fc' }));
    await store.outbox.enqueue(many);
    t.equal((await store.outbox.existingIds(many.map((m) => m.id))).size, 1203, 'looked up in chunks');
  });

  t.test(`${db.name}: notary credentials and a refusal in the run record`, async (t) => {
    // The last subtest on this database drops it.
    t.teardown(() => db.drop());
    const store = await Store.open(db.location);
    t.teardown(() => store.close());
    // A run publishes two notary credentials: no status slot of ours (own id, index -1) for either.
    const lease = { name: cloudLease('demo'), holder: 'test', ttlMs: 60_000 };
    t.ok(await store.leases.acquire(lease.name, lease.holder, lease.ttlMs));
    const run = await store.runs.start({ id: 'run-1', cloud_id: 'demo', trigger: 'test', holder: 'test' });
    const at = new Date().toISOString();
    const issued = (id: string, profile: string) => ({
      id,
      base_id: id.replace(/\/v\/1$/, ''),
      version: 1,
      cloud_id: 'demo',
      profile,
      kind: 'registration-number',
      subject: 'https://gw.example/gx/registration-number/vatID',
      types: '["VatID"]',
      clearing_house: 1,
      content_hash: 'h',
      state: 'published' as const,
      status_list: id,
      status_index: -1,
      body: '{"validUntil":"2027-12-01T00:00:00Z"}',
      media_type: 'application/vc+ld+json',
      run_id: run.id,
      created_at: at,
      published_at: at,
      updated_at: at,
      signed_with: 'did:web:notary.example#key',
    });
    await store.runs.publish(
      {
        runId: run.id,
        cloudId: 'demo',
        at,
        add: [
          issued('https://gw.example/credentials/25.11/registration-number/vatID/v/1', 'gaia-x-25.11'),
          issued('https://gw.example/credentials/22.10/legal-registration-number/v/1', 'tagus-22.10'),
        ],
        supersede: [],
        revoke: [],
        statusLists: [],
        run: { ...run, state: 'succeeded', finished_at: at, stages: '{}', summary: '{"notes":[]}' },
        audit: [],
      },
      lease,
    );
    t.same(
      (await store.credentials.publishedForeign('demo')).map((r) => `${r.profile} ${r.signed_with}`),
      ['gaia-x-25.11 did:web:notary.example#key', 'tagus-22.10 did:web:notary.example#key'],
      'both published, listed as issued elsewhere',
    );
    t.same(await store.credentials.publishedForeign('other'), [], 'per cloud');

    // A refusal after the run is noted in its record, in the same transaction.
    await store.compliance.record(
      answer('https://gw.example/compliance/9', {
        state: 'rejected',
        body: '',
        media_type: '',
        message: '409: refused again',
        valid_until: null,
      }),
    );
    t.same((JSON.parse((await store.runs.get(run.id))!.summary) as { notes: string[] }).notes, [
      'tagus-22.10: after the run, clearing house lab refused the set: 409: refused again',
    ]);
  });
}
