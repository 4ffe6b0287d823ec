// A gateway killed with SIGKILL in the middle of a run restarts with a consistent store and
// finishes the work: the killed run is marked abandoned and published nothing.
import t from 'tap';
import { patience } from '../helpers/wait.js';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { hasOwnStatus, Store } from '../../src/store/store.js';
import { ADMIN, freePorts, removeDir, serveProcess, serviceConfig } from '../helpers/service.js';

const dir = mkdtempSync(join(tmpdir(), 'gxg-crash-'));
t.teardown(() => removeDir(dir));
const file = join(dir, 'gx-gateway.yaml');
const db = join(dir, 'gx.sqlite');
writeFileSync(
  file,
  stringify(
    serviceConfig(
      { file: db },
      {
        log: { level: 'info' },
        demo: { ports: await freePorts(3) },
        scheduler: { tickSeconds: 0.1, leaseSeconds: 30 },
        // Due again a second after each run: every start finds a run to kill.
        clouds: [{ id: 'demo', demo: true, intervalSeconds: 1 }],
      },
    ),
  ),
);

const serve = () => serveProcess(file, dir);

async function runs(url: string): Promise<{ id: string; state: string }[]> {
  const r = await fetch(`${url}/admin/runs?cloud=demo&limit=50`, { headers: ADMIN });
  return ((await r.json()) as { runs: { id: string; state: string }[] }).runs;
}

async function until<T>(what: string, f: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const end = Date.now() + patience(ms);
  for (;;) {
    const v = await f().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

t.test('SIGKILL mid-run, restart, finish', async (t) => {
  // Kill in the middle of a run, right after it is seen running.
  const killed: string[] = [];
  const seen = new Set<string>();
  for (const delayMs of [0]) {
    const { child, url } = await serve();
    const running = await until('a new running run', async () =>
      (await runs(url)).find((r) => r.state === 'running' && !seen.has(r.id)),
    );
    seen.add(running.id);
    await new Promise((r) => setTimeout(r, delayMs));
    const state = (await runs(url)).find((r) => r.id === running.id)?.state;
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    if (state === 'running') killed.push(running.id);
  }
  t.ok(killed.length >= 1, `${killed.length} runs killed mid-run`);

  // Restart: the killed runs are abandoned, the cloud is run again to its end.
  const { child, url } = await serve();
  t.teardown(() => child.kill('SIGKILL'));
  const before = new Set((await runs(url)).map((r) => r.id));
  const done = await until('a finished run', async () =>
    (await runs(url)).find((r) => r.state === 'succeeded' && !before.has(r.id)),
  );
  t.ok(done, 'the restarted gateway finished the work');
  const all = await runs(url);
  const abandoned = killed.filter((id) => all.find((r) => r.id === id)?.state === 'abandoned');
  t.ok(abandoned.length >= 1, `${abandoned.length} killed runs marked abandoned`);
  t.ok(
    killed.every((id) => ['abandoned', 'succeeded'].includes(all.find((r) => r.id === id)?.state ?? '')),
    'no killed run is left running (one that committed just before the kill is succeeded)',
  );

  const store = await Store.open({ file: db });
  t.teardown(() => store.close());
  const rows = await store.credentials.list({ limit: 100000 });
  t.ok(rows.length > 90, `${rows.length} credentials`);
  t.notOk(
    rows.some((r) => abandoned.includes(r.run_id)),
    'nothing of an abandoned run was published',
  );
  const perBase = new Map<string, number>();
  for (const r of rows.filter((r) => r.state === 'published'))
    perBase.set(r.base_id, (perBase.get(r.base_id) ?? 0) + 1);
  t.ok(
    [...perBase.values()].every((n) => n === 1),
    'one published version per resource',
  );
  const lists = new Set(
    (await store.statusLists.of('demo', 'gaia-x-25.11'))
      .concat(await store.statusLists.of('demo', 'tagus-22.10'))
      .map((l) => l.id),
  );
  t.ok(
    rows.every((r) => (hasOwnStatus(r) ? lists.has(r.status_list) : r.profile === 'tagus-22.10')),
    'every credential’s status list exists (Tagus credentials have none)',
  );
  const events = await store.events.after(0, 100000);
  t.equal(events.filter((e) => e.type === 'published').length, rows.length, 'one published event per credential');
});
