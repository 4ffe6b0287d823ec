// The README's "In the demo" walkthrough: the gateway started as `npm start` starts it, then the
// lines of the block as one script (they share $TOKEN and $IMAGE), on the ports the test got
// instead of 8080 and 8081: an image created and uploaded through the demo's Glance is signed and
// served from an event run; deleted, its credential is revoked by the next event run.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { root } from '../helpers/root.js';
import { startServeProcess } from '../helpers/service.js';
import { patience } from '../helpers/wait.js';

/** Wait for `what`, asking every 300 ms (the public routes are rate limited per address). */
async function until(what: () => Promise<boolean>, ms: number, label: string): Promise<void> {
  const end = Date.now() + patience(ms);
  while (!(await what())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${label}`);
    await new Promise((r) => setTimeout(r, 300));
  }
}

const readme = readFileSync(join(root, 'README.md'), 'utf8');
const block = /\*\*In the demo\.\*\*[\s\S]*?```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
const lines = block.split('\n').filter(Boolean);
t.equal(lines.length, 5, 'five lines: token, create, upload, wait, delete');

const scratch = mkdtempSync(join(root, '.readme-events-'));
t.teardown(() => rmSync(scratch, { recursive: true, force: true }));
let openstackPort = 0;
const { child, port, output } = await startServeProcess({
  cwd: scratch,
  args: (p) => ['serve', '--port', String(p)],
  env: (_p, demoPorts) => {
    openstackPort = demoPorts[0]!;
    return { GXG_DEMO__PORTS: demoPorts.join(','), GXG_LOG__LEVEL: 'warn' };
  },
});
t.teardown(() => child.kill('SIGTERM'));
await until(
  async () => {
    const r = await fetch(`http://localhost:${port}/credentials?limit=1`).catch(() => undefined);
    return Boolean(r?.ok && ((await r.json()) as { items: unknown[] }).items.length);
  },
  60_000,
  `the first run's credentials (${output().slice(-500)})`,
);

t.test('an image uploaded through the demo Glance, then deleted', async (t) => {
  const script = (text: string) =>
    text.replaceAll('localhost:8080', `localhost:${port}`).replaceAll('localhost:8081', `localhost:${openstackPort}`);
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GXG_')));
  // Everything but the delete, as one script, run from the checkout (examples/demo-image.json).
  const started = Date.now();
  const upload = spawnSync(
    '/bin/bash',
    ['-c', `set -e\n${script(lines.slice(0, 4).join('\n'))}\necho "IMAGE=$IMAGE"`],
    {
      cwd: root,
      encoding: 'utf8',
      env,
      timeout: patience(90_000),
    },
  );
  t.equal(upload.status, 0, `${upload.stderr.slice(0, 500)}${upload.stdout.slice(0, 500)}`);
  const image = /IMAGE=([0-9a-f-]{36})/.exec(upload.stdout)?.[1] ?? '';
  t.match(upload.stdout, `signed and served: ${image}`);
  t.comment(`uploaded → served: ${Date.now() - started} ms`);

  const changes = async () => {
    const r = await fetch(`http://localhost:${port}/changes?after=0&limit=1000`);
    if (!r.ok) throw new Error(`/changes: HTTP ${r.status} ${await r.text()}`);
    const page = (await r.json()) as { events: { type: string; credential: string; trigger: string | null }[] };
    return page.events.filter((e) => e.credential.includes(`/images/${image}`));
  };
  t.match(await changes(), [{ type: 'published', trigger: 'event' }], 'published by an event run');

  const del = spawnSync('/bin/bash', ['-c', `set -e\n${script(lines[0]!)}\nIMAGE=${image}\n${script(lines[4]!)}`], {
    cwd: root,
    encoding: 'utf8',
    env,
    timeout: patience(30_000),
  });
  t.equal(del.status, 0, del.stderr.slice(0, 500));
  await until(async () => (await changes()).some((e) => e.type === 'revoked'), 60_000, 'the revocation');
  t.match(
    (await changes()).find((e) => e.type === 'revoked'),
    { trigger: 'event' },
    'revoked by an event run',
  );
});
