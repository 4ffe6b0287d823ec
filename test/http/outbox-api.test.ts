// The outbox for operators over HTTP and in the CLI: targets with backlog and dead letters, items,
// re-drive and drop (audited), the metrics; every answer checked against openapi.yaml.
import t from 'tap';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { contractErrors } from '../helpers/contract.js';
import { sqliteDatabase } from '../helpers/databases.js';
import { ADMIN, removeDir, startService } from '../helpers/service.js';

const db = sqliteDatabase();
const svc = await startService(db.location, { scheduler: { enabled: false } });
t.teardown(async () => {
  await svc.close();
  await db.drop();
  removeDir(svc.dir);
});
const store = svc.gw.service.store;
const call = async (op: string, path: string, init: RequestInit = {}) => {
  const r = await fetch(`${svc.url}${path}`, init);
  const body = await r.text();
  const errors = contractErrors(op, r.status, r.headers.get('content-type'), body);
  if (errors.length) throw new Error(errors.join('\n'));
  return { status: r.status, body };
};
const cli = (...args: string[]) => runCli(['-c', join(svc.dir, 'gx-gateway.yaml'), ...args], { cwd: svc.dir });

t.test('backlog, dead letters, re-drive and drop', async (t) => {
  const item = (id: string) => ({
    id,
    target: 'catalogue',
    action: 'add',
    subject: `https://x.example/${id}`,
    payload: '{}',
  });
  await store.outbox.enqueue([item('one'), item('two'), item('three')]);
  const head = await store.outbox.claim('catalogue', 'me', 1000);
  await store.outbox.failed(head!.seq, 'me', { error: '422 verification_error: bad shape' });

  const list = JSON.parse((await call('listOutbox', '/admin/outbox', { headers: ADMIN })).body) as {
    targets: { target: string; pending: number; dead: number }[];
    items: { id: string; state: string; lastError: string | null }[];
  };
  t.match(list.targets, [{ target: 'catalogue', pending: 2, dead: 1 }]);
  t.match(list.items[0], { id: 'one', state: 'dead', lastError: /verification_error/ });
  const dead = JSON.parse((await call('listOutbox', '/admin/outbox?state=dead', { headers: ADMIN })).body) as {
    items: unknown[];
  };
  t.equal(dead.items.length, 1);

  const metrics = await (await fetch(`${svc.url}/metrics`, { headers: ADMIN })).text();
  t.match(metrics, /gxg_outbox_items\{target="catalogue",state="dead"\} 1/);
  t.match(metrics, /gxg_outbox_items\{target="catalogue",state="pending"\} 2/);

  t.equal((await call('retryOutboxItem', '/admin/outbox/one/retry', { method: 'POST', headers: ADMIN })).status, 204);
  t.equal((await call('dropOutboxItem', '/admin/outbox/two', { method: 'DELETE', headers: ADMIN })).status, 204);
  t.equal(
    (await call('dropOutboxItem', '/admin/outbox/two', { method: 'DELETE', headers: ADMIN })).status,
    404,
    'once',
  );
  const after = await store.outbox.list({ limit: 10 });
  t.same(
    after.map((i) => [i.id, i.state, i.attempts]),
    [
      ['one', 'pending', 0],
      ['two', 'dropped', 0],
      ['three', 'pending', 0],
    ],
  );
  const audit = await store.audit.after(0, 100);
  t.ok(audit.some((a) => a.action === 'outbox.retry' && a.target === 'one' && a.actor === 'admin'));
});

t.test('gx-gateway outbox list|retry|drop', async (t) => {
  const list = await cli('outbox', 'list');
  t.equal(list.code, 0, list.err);
  t.match(list.out, /catalogue: 2 pending \(oldest .*\), 0 dead, last delivery never/);
  t.match(list.out, /dropped\s+two\s+catalogue add/);
  const drop = await cli('outbox', 'drop', 'three');
  t.equal(drop.code, 0, drop.err);
  const missing = await cli('outbox', 'retry', 'nothing');
  t.equal(missing.code, 1);
  t.match(missing.err, /no dead or pending outbox item nothing/);
  const remoteList = await cli('outbox', 'list', '--json', '--url', svc.url, '--token-file', join(svc.dir, 'token'));
  t.equal(remoteList.code, 2, 'no token file');
  t.match(remoteList.err, /--token-file/);
});
