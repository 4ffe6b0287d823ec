// The run's plan on its own: the described set against what is published, without a database.
import t from 'tap';
import type { DescribedCredential, DescribedSet } from '../../src/describe/model.js';
import { planProfile, unchangedPlan, type PlanInput } from '../../src/pipeline/plan.js';
import { Bitstring } from '../../src/status/bitstring.js';
import { credentialRow } from '../helpers/samples.js';
import { ISSUED_ELSEWHERE, NO_STATUS, type CredentialRow, type StatusListRow } from '../../src/store/store.js';

const BASE = 'https://gx.example.org';
const profile = 'gaia-x-25.11' as const;
const at = '2026-12-01T00:00:00.000Z';

const described = (name: string, hash = `h-${name}`): DescribedCredential => ({
  id: `${BASE}/credentials/${name}`,
  kind: 'vm-image',
  subject: `${BASE}/resources/${name}`,
  clearingHouse: true,
  contentHash: hash,
  credential: {
    '@context': ['https://www.w3.org/ns/credentials/v2'],
    type: ['VerifiableCredential'],
    credentialSubject: { id: `${BASE}/resources/${name}`, type: 'gx:VMImage' },
  },
});

const setOf = (credentials: DescribedCredential[], withheld: string[] = []): DescribedSet => ({
  profile,
  inventoryHash: 'inv',
  credentials,
  warnings: [],
  unknown: [],
  withheld,
});

const row = (name: string, o: Partial<CredentialRow> = {}): CredentialRow =>
  credentialRow(`${BASE}/credentials/${name}/v/1`, {
    cloud_id: 'c1',
    profile,
    kind: 'vm-image',
    subject: `${BASE}/resources/${name}`,
    types: '["VMImage"]',
    content_hash: `h-${name}`,
    media_type: 'application/vc+jwt',
    status_list: `${BASE}/status/c1/1`,
    run_id: 'r0',
    created_at: at,
    published_at: at,
    updated_at: at,
    signed_with: 'did:web:gx.example.org#key-1',
    ...o,
  });

const list = (o: Partial<StatusListRow> = {}): StatusListRow => ({
  id: `${BASE}/status/c1/1`,
  cloud_id: 'c1',
  profile,
  purpose: 'revocation',
  size: 8,
  next_index: 1,
  bits: new Bitstring(8).toBase64(),
  body: 'signed',
  media_type: 'application/vc+jwt',
  updated_at: at,
  ...o,
});

const input = (o: Partial<PlanInput>): PlanInput => ({
  cloudId: 'c1',
  profile,
  set: setOf([]),
  current: [],
  versions: new Map(),
  lists: [],
  earlier: [],
  approval: false,
  withEntries: true,
  statusListSize: 8,
  baseUrl: BASE,
  now: Date.parse(at),
  ...o,
});

t.test('new resources: version 1 each, a slot each in a new list, all to sign', async (t) => {
  const r = planProfile(input({ set: setOf([described('a'), described('b')]) }));
  t.same(
    r.plan.add.map((a) => [a.id, a.version, a.status_index]),
    [
      [`${BASE}/credentials/a/v/1`, 1, 0],
      [`${BASE}/credentials/b/v/1`, 1, 1],
    ],
  );
  t.same([...r.sign], [`${BASE}/credentials/a/v/1`, `${BASE}/credentials/b/v/1`]);
  t.equal(r.plan.lists.length, 1, 'one list made');
  t.equal(r.plan.lists[0]!.changed, true, 'a new list is signed');
  t.equal(r.plan.lists[0]!.row.next_index, 2);
  t.same(r.plan.add[0]!.types, '["VMImage"]', 'subject types without the gx: prefix');
  const status = r.set.credentials[0]!.credential.credentialStatus as Record<string, unknown>;
  t.equal(status.id, `${r.plan.lists[0]!.row.id}#0`, 'the credential carries its slot');
  t.equal(r.set.credentials[0]!.credential.id, `${BASE}/credentials/a/v/1`);
  t.notOk(unchangedPlan(r.plan));
});

t.test('unchanged, changed and vanished against what is published', async (t) => {
  const lists = [list({ next_index: 2 })];
  const current = [row('same'), row('changed', { status_index: 1 }), row('gone', { status_index: 1 })];
  const versions = new Map([[`${BASE}/credentials/changed`, 3]]);
  const r = planProfile(
    input({ set: setOf([described('same'), described('changed', 'h-new')]), current, versions, lists }),
  );
  t.equal(r.plan.unchanged, 1);
  t.equal(r.set.credentials[0]!.id, `${BASE}/credentials/same/v/1`, 'the unchanged keeps its version');
  t.same(
    (r.set.credentials[0]!.credential.credentialStatus as Record<string, unknown>).statusListIndex,
    '0',
    'and its slot',
  );
  t.same(
    r.plan.add.map((a) => a.id),
    [`${BASE}/credentials/changed/v/4`],
    'the changed gets the version after the highest it had',
  );
  t.same(r.plan.supersede, [{ id: `${BASE}/credentials/changed/v/1`, by: `${BASE}/credentials/changed/v/4` }]);
  t.same(
    r.plan.vanished.map((v) => v.base_id),
    [`${BASE}/credentials/gone`],
  );
  t.equal(r.plan.add[0]!.status_index, 2, 'the next free slot of the stored list');
  t.equal(lists[0]!.next_index, 2, 'the stored row is not changed in place');
});

t.test('withheld resources are neither described anew nor vanished', async (t) => {
  const r = planProfile(input({ set: setOf([], [`${BASE}/credentials/held`]), current: [row('held')] }));
  t.same(r.plan.vanished, []);
  t.ok(unchangedPlan(r.plan), 'nothing to do');
});

t.test('a full list: the next slot is in a new list', async (t) => {
  const r = planProfile(input({ set: setOf([described('a')]), lists: [list({ next_index: 8 })] }));
  t.equal(r.plan.lists.length, 2);
  t.equal(r.plan.add[0]!.status_list, `${BASE}/status/c1/25.11/revocation/2`);
  t.equal(r.plan.lists[0]!.changed, false, 'the full list is not signed again');
});

t.test('without status entries: no slot, and a status change is a new version', async (t) => {
  const r = planProfile(input({ set: setOf([described('a')]), current: [row('a')], withEntries: false }));
  t.equal(r.plan.add[0]!.status_index, NO_STATUS);
  t.equal(r.plan.add[0]!.status_list, r.plan.add[0]!.id);
  t.notOk('credentialStatus' in r.set.credentials[0]!.credential);
  t.equal(r.plan.supersede.length, 1, 'same content, other status form: superseded');
  t.same(r.plan.lists, [], 'no list made');
});

t.test('approval mode: a draft of the same content is kept; others are obsolete', async (t) => {
  const earlier = [
    row('a', { id: `${BASE}/credentials/a/v/2`, state: 'draft', version: 2 }),
    row('b', { id: `${BASE}/credentials/b/v/2`, state: 'draft', version: 2, content_hash: 'old' }),
    row('c', { id: `${BASE}/credentials/c/v/2`, state: 'rejected', version: 2 }),
  ];
  const versions = new Map([
    [`${BASE}/credentials/a`, 2],
    [`${BASE}/credentials/b`, 2],
    [`${BASE}/credentials/c`, 2],
  ]);
  const r = planProfile(
    input({ set: setOf([described('a'), described('b'), described('c')]), earlier, versions, approval: true }),
  );
  t.equal(r.plan.pending, 1);
  t.equal(r.plan.rejectedBefore, 1, "an officer's no stands while the content is the same");
  t.same(
    r.plan.add.map((a) => a.id),
    [`${BASE}/credentials/b/v/3`],
  );
  t.same(r.plan.obsolete, [{ id: `${BASE}/credentials/b/v/2`, by: `${BASE}/credentials/b/v/3` }]);
  const auto = planProfile(input({ set: setOf([described('a')]), earlier: [earlier[0]!], versions }));
  t.same(auto.plan.obsolete, [{ id: `${BASE}/credentials/a/v/2`, by: `${BASE}/credentials/a/v/3` }], 'auto mode');
});

t.test("a notary's answers: kept, issued, or the self-described one", async (t) => {
  const foreign = row('rn', { status_index: ISSUED_ELSEWHERE, body: '{"id":"x","type":["VerifiableCredential"]}' });
  const issued = {
    credential: { id: `${BASE}/credentials/rn2/v/1`, type: ['VerifiableCredential'] },
    body: 'eyJ',
    mediaType: 'application/vc+jwt',
    signedWith: 'did:web:notary#k',
  };
  const r = planProfile(
    input({
      set: setOf([described('rn'), described('rn2'), described('rn3')]),
      current: [foreign],
      notary: new Map([
        [`${BASE}/credentials/rn`, { keep: foreign }],
        [`${BASE}/credentials/rn2`, { issued, id: `${BASE}/credentials/rn2/v/1`, version: 1 }],
        [`${BASE}/credentials/rn3`, { self: true }],
      ]),
      notes: ['rn3: no notary credential'],
    }),
  );
  t.equal(r.plan.unchanged, 1);
  t.same(r.set.credentials[0]!.credential, { id: 'x', type: ['VerifiableCredential'] }, 'kept as its bytes say');
  t.equal(r.plan.issued.get(`${BASE}/credentials/rn2/v/1`), issued);
  t.same(
    r.plan.add.map((a) => [a.id, a.status_index]),
    [
      [`${BASE}/credentials/rn2/v/1`, ISSUED_ELSEWHERE],
      [`${BASE}/credentials/rn3/v/1`, 0],
    ],
  );
  t.same([...r.sign], [`${BASE}/credentials/rn3/v/1`], "the notary's credential is not signed by us");
  t.same(r.plan.notes, ['rn3: no notary credential']);
});

t.test('an expired notary credential without a notary: a self-described version replaces it', async (t) => {
  const body = JSON.stringify({ id: 'x', validUntil: '2026-01-01T00:00:00Z' });
  const foreign = row('rn', { status_index: ISSUED_ELSEWHERE, body });
  const versions = new Map([[`${BASE}/credentials/rn`, 1]]);
  const r = planProfile(input({ set: setOf([described('rn')]), current: [foreign], versions }));
  t.equal(r.plan.add.length, 1);
  t.same(r.plan.supersede, [{ id: foreign.id, by: `${BASE}/credentials/rn/v/2` }]);
  const valid = planProfile(
    input({ set: setOf([described('rn')]), current: [foreign], now: Date.parse('2025-06-01T00:00:00Z') }),
  );
  t.equal(valid.plan.unchanged, 1, 'kept while valid');
});
