// The HTTP API over a listening socket, as a catalogue and an operator use it, on one database.
import type { Test } from 'tap';
import { Bitstring } from '../../src/status/bitstring.js';
import type { TestDatabase } from './databases.js';
import { contractErrors } from './contract.js';
import { verifyJws2020 } from './independent.js';
import { ADMIN, PUBLIC_BASE, removeDir, settledRun, startService } from './service.js';

interface Answer {
  status: number;
  type: string | null;
  body: string;
  headers: Headers;
}

export async function apiSuite(t: Test, db: TestDatabase): Promise<void> {
  t.teardown(() => db.drop());
  let svc = await startService(db.location);
  t.teardown(async () => {
    await svc.close();
    removeDir(svc.dir);
  });
  const local = (u: string) => u.replace(PUBLIC_BASE, svc.url);
  const contract: string[] = [];
  /** Every answer is checked against openapi.yaml. */
  const call = async (operationId: string, path: string, init: RequestInit = {}): Promise<Answer> => {
    const r = await fetch(path.startsWith('http') ? path : `${svc.url}${path}`, { redirect: 'manual', ...init });
    const body = await r.text();
    contract.push(...contractErrors(operationId, r.status, r.headers.get('content-type'), body));
    return { status: r.status, type: r.headers.get('content-type'), body, headers: r.headers };
  };
  const json = (a: Answer) => JSON.parse(a.body) as Record<string, unknown>;

  const first = await settledRun(svc.url);
  t.equal(first.state, 'succeeded', 'the demo cloud was run at start');

  t.test('credentials at their id URLs: exact bytes, independently verified', async (t) => {
    const page = json(await call('listCredentials', '/credentials?type=ServerFlavor&profile=gaia-x-25.11&limit=5'));
    const items = page.items as { id: string; baseId: string; types: string[]; state: string }[];
    t.equal(items.length, 5);
    t.ok(items.every((i) => i.types.includes('ServerFlavor') && i.state === 'published'));
    const a = await call('getCredential', local(items[0]!.id));
    t.equal(a.status, 200);
    t.equal(a.type, 'application/vc');
    const b = await call('getCredential', local(items[0]!.id));
    t.equal(a.body, b.body, 'byte-identical across fetches');
    t.equal(json(a).id, items[0]!.id, 'served at its own id');
    const did = json(await call('getDidDocument', '/.well-known/did.json'));
    t.ok(await verifyJws2020(json(a), did), 'verifies with jsonld + jose against the served DID document');
    // Content negotiation.
    const ld = await call('getCredential', local(items[0]!.id), { headers: { accept: 'application/ld+json' } });
    t.match(ld.type, /^application\/ld\+json/);
    t.equal(ld.body, a.body);
    const jwt = await call('getCredential', local(items[0]!.id), { headers: { accept: 'application/vc+jwt' } });
    t.equal(jwt.status, 406);
    t.match(json(jwt), { status: 406, available: ['application/vc'] });
    // Revalidation.
    const etag = a.headers.get('etag')!;
    t.ok(etag);
    t.equal((await call('getCredential', local(items[0]!.id), { headers: { 'if-none-match': etag } })).status, 304);
    // The resource IRI redirects to the current version.
    const base = await call('getCredential', local(items[0]!.baseId));
    t.equal(base.status, 302);
    t.equal(base.headers.get('location'), items[0]!.id);
    t.equal((await call('getCredential', '/credentials/25.11/nothing/here')).status, 404);
    t.equal((await call('getCredential', '/credentials/25.11/%E0%A4%A')).status, 400, 'bad percent-encoding');
  });

  t.test('listing: filters, stable cursor pages, ETag', async (t) => {
    const all: string[] = [];
    let next: string | null = '/credentials?limit=25';
    let pages = 0;
    while (next) {
      const page: Record<string, unknown> = json(await call('listCredentials', local(next)));
      all.push(...(page.items as { id: string }[]).map((i) => i.id));
      next = page.next as string | null;
      pages++;
    }
    t.ok(pages >= 4, `${pages} pages`);
    t.equal(new Set(all).size, all.length, 'no credential twice');
    const one = json(await call('listCredentials', '/credentials?limit=1000'));
    t.equal((one.items as unknown[]).length, all.length, 'pages add up to the whole');
    const facts = json(await call('listCredentials', '/credentials?clearingHouse=false&limit=1000'));
    t.ok(
      (facts.items as { kind: string }[]).every((i) => i.kind === 'scs-facts'),
      'scs facts are served and marked',
    );
    const r = await call('listCredentials', '/credentials?limit=3');
    const again = await call('listCredentials', '/credentials?limit=3', {
      headers: { 'if-none-match': r.headers.get('etag')! },
    });
    t.equal(again.status, 304);
    for (const bad of ['limit=0', 'limit=abc', 'state=bogus', 'profile=x', 'cursor=%21%21', 'changedSince=yesterday']) {
      const a = await call('listCredentials', `/credentials?${bad}`);
      t.equal(a.status, 400, bad);
      t.match(a.type, /^application\/problem\+json/);
    }
    const since = json(
      await call('listCredentials', `/credentials?changedSince=${encodeURIComponent('2999-01-01T00:00:00Z')}`),
    );
    t.same(since.items, []);
  });

  t.test('status lists and the presentation', async (t) => {
    const page = json(await call('listCredentials', '/credentials?profile=gaia-x-25.11&limit=1'));
    const status = (page.items as { credentialStatus: { statusListCredential: string; statusListIndex: string } }[])[0]!
      .credentialStatus;
    const list = await call('getStatusList', local(status.statusListCredential));
    t.equal(list.status, 200);
    const doc = json(list) as { type: string[]; credentialSubject: { encodedList: string } };
    t.ok(doc.type.includes('BitstringStatusListCredential'));
    const tagus = json(await call('listCredentials', '/credentials?profile=tagus-22.10&limit=1000')).items as object[];
    t.ok(
      tagus.length > 0 && tagus.every((i) => !('credentialStatus' in i)),
      'Tagus credentials carry no status entry (signing.credentialStatus)',
    );
    t.notOk(Bitstring.decode(doc.credentialSubject.encodedList).get(Number(status.statusListIndex)));
    t.equal((await call('getStatusList', '/status/demo/25.11/revocation/99')).status, 404);
    t.equal((await call('getStatusList', '/status/demo/25.11/revocation/x')).status, 400);
    const vp = json(await call('getPresentation', '/presentations/demo/25.11'));
    t.ok((vp.verifiableCredential as unknown[]).length > 10);
    t.equal((await call('getPresentation', '/presentations/demo/99.1')).status, 400);
    t.equal((await call('getPresentation', '/presentations/nope/25.11')).status, 404);
  });

  t.test('operator routes: token, bad input stores nothing, runs', async (t) => {
    t.equal((await call('listClouds', '/admin/clouds')).status, 401);
    t.equal(
      (await call('listClouds', '/admin/clouds', { headers: { authorization: 'Bearer wrong-token-000000000' } }))
        .status,
      401,
    );
    const clouds = json(await call('listClouds', '/admin/clouds', { headers: ADMIN }));
    t.same(
      (clouds.clouds as { id: string }[]).map((c) => c.id),
      ['demo'],
    );
    const post = (body: unknown) =>
      call('putCloud', '/admin/clouds', {
        method: 'POST',
        headers: { ...ADMIN, 'content-type': 'application/json' },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
    for (const bad of [
      '{',
      { id: 'Bad Id', sources: { scsReports: ['x.yaml'] } },
      { id: 'x' },
      { id: 'x', sources: {} },
      { id: 'x', sources: { openstack: [{ cloud: 'no-such-cloud' }] } },
      { id: 'demo', sources: { scsReports: ['x.yaml'] } },
      { id: 'x', sources: { netbox: { url: 'ftp://x' } } },
    ]) {
      const a = await post(bad);
      t.ok([400, 409].includes(a.status), `${JSON.stringify(bad)} → ${a.status}`);
      t.match(a.type, /^application\/problem\+json/);
    }
    const after = json(await call('listClouds', '/admin/clouds', { headers: ADMIN }));
    t.same(
      (after.clouds as { id: string }[]).map((c) => c.id),
      ['demo'],
      'nothing stored',
    );
    t.equal((await call('getCloud', '/admin/clouds/nope', { headers: ADMIN })).status, 404);
    t.equal((await call('startRun', '/admin/clouds/nope/runs', { method: 'POST', headers: ADMIN })).status, 404);
    t.equal((await call('getRun', '/admin/runs/not-a-uuid', { headers: ADMIN })).status, 400);
    const audit = json(await call('listAudit', '/admin/audit', { headers: ADMIN }));
    t.ok((audit.entries as { action: string }[]).some((e) => e.action === 'run.publish'));
    const metrics = await call('getMetrics', '/metrics', { headers: ADMIN });
    t.match(metrics.body, /gxg_runs_total\{outcome="succeeded"\} 1/);
    t.match(metrics.body, /gxg_credentials\{state="published"\} \d+/);
  });

  t.test('restart: the store is kept, nothing unchanged is signed again', async (t) => {
    const page = json(await call('listCredentials', '/credentials?state=published&limit=1'));
    const id = (page.items as { id: string }[])[0]!.id;
    const before = await call('getCredential', local(id));
    const lastBefore = json(await call('listChanges', '/changes?limit=1')).last as number;
    svc = await svc.restart();
    const after = await call('getCredential', local(id));
    t.equal(after.body, before.body, 'byte-identical after a restart');
    const runs = json(await call('listRuns', '/admin/runs?cloud=demo', { headers: ADMIN })).runs as unknown[];
    t.equal(runs.length, 1, 'the restart resumed: no run before the interval is up');
    await call('startRun', '/admin/clouds/demo/runs', { method: 'POST', headers: ADMIN });
    const run = await settledRun(svc.url);
    t.equal(run.state, 'succeeded');
    const feed = json(await call('listChanges', `/changes?after=${lastBefore}`));
    t.same(feed.events, [], 'an unchanged cloud re-run publishes nothing');
  });

  t.test('an image vanishes: revoked after a good run (410, feed, status bit)', async (t) => {
    const demo = svc.gw.service.demo!;
    const imagesUrl = '/credentials?type=VMImage&profile=gaia-x-25.11&limit=1000';
    const listed = await call('listCredentials', imagesUrl);
    const images = json(listed).items as { id: string; baseId: string }[];
    const again = await call('listCredentials', imagesUrl);
    t.equal(again.body, listed.body, 'the same page twice: the same bytes (kept rendered by its ETag)');
    t.equal(again.headers.get('etag'), listed.headers.get('etag'));
    const imageId = demo.openstack.imageIds().find((id) => images.some((i) => i.baseId.endsWith(`/images/${id}`)))!;
    const victim = images.find((i) => i.baseId.endsWith(`/images/${imageId}`))!;
    const before = json(await call('listChanges', '/changes?limit=1000'));
    t.ok(demo.openstack.deleteImage(imageId));
    const started = await call('startRun', '/admin/clouds/demo/runs', { method: 'POST', headers: ADMIN });
    t.equal(started.status, 202);
    const busy = await call('startRun', '/admin/clouds/demo/runs', { method: 'POST', headers: ADMIN });
    t.equal(busy.status, 409, 'one run per cloud at a time');
    const run = await settledRun(svc.url);
    t.equal(run.state, 'succeeded', String(run.error));
    const gone = await call('getCredential', local(victim.id));
    t.equal(gone.status, 410);
    const relisted = await call('listCredentials', imagesUrl);
    t.not(relisted.headers.get('etag'), listed.headers.get('etag'), 'a new ETag after the run');
    t.equal(
      (json(relisted).items as { id: string; state: string }[]).find((i) => i.id === victim.id)?.state,
      'revoked',
      'the page shows the change, not the page kept from before',
    );
    const problem = json(gone) as { credentialStatus: { statusListCredential: string; statusListIndex: string } };
    const list = json(await call('getStatusList', local(problem.credentialStatus.statusListCredential))) as {
      credentialSubject: { encodedList: string };
    };
    t.ok(Bitstring.decode(list.credentialSubject.encodedList).get(Number(problem.credentialStatus.statusListIndex)));
    const feed = json(await call('listChanges', `/changes?after=${before.last as number}`));
    t.ok(
      (feed.events as { type: string; credential: string }[]).some(
        (e) => e.type === 'revoked' && e.credential === victim.id,
      ),
    );
  });

  t.test('every answer matched openapi.yaml', async (t) => {
    t.same(contract, []);
  });
}
