// The README's service section: the gateway started as `npm start` starts it (the built bin's
// `serve` on the embedded default, in a scratch folder), then every curl line as written, on the
// port the test got instead of 8080.
import t from 'tap';
import { patience } from '../helpers/wait.js';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { root } from '../helpers/root.js';
import { startServeProcess } from '../helpers/service.js';

const readme = readFileSync(join(root, 'README.md'), 'utf8');
// Its curl lines, each on its own (the event walkthrough of "Changes in the cloud" is one script:
// test/readme/demo-events.test.ts).
const section = readme.split('## The service')[1]!.split('\n## ')[0]!.split('\n### Changes in the cloud')[0]!;
const commands = [...section.matchAll(/```sh\n([\s\S]*?)```/g)]
  .flatMap((m) => m[1]!.split('\n'))
  .filter((l) => l.startsWith('curl '));
t.ok(commands.length >= 8, `${commands.length} curl commands`);

const scratch = mkdtempSync(join(root, '.readme-service-'));
t.teardown(() => rmSync(scratch, { recursive: true, force: true }));
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GXG_')));
// The demo's ports follow server.port on the embedded default (8081–8083 for 8080); here any free ones.
const { child, port, output } = await startServeProcess({
  cwd: scratch,
  args: (p) => ['serve', '--port', String(p)],
  env: (_p, demoPorts) => ({ GXG_DEMO__PORTS: demoPorts.join(','), GXG_LOG__LEVEL: 'warn' }),
});
t.teardown(() => child.kill('SIGTERM'));

// Until the first run has published (the README's "within seconds").
const started = Date.now();
for (;;) {
  const r = await fetch(`http://localhost:${port}/credentials?limit=1`).catch(() => undefined);
  if (r?.ok && ((await r.json()) as { items: unknown[] }).items.length) break;
  if (Date.now() - started > patience(60_000))
    throw new Error(`no credentials within ${patience(60)} s: ${output().slice(-1000)}`);
  await new Promise((res) => setTimeout(res, 100));
}
t.pass(`first credentials published ${((Date.now() - started) / 1000).toFixed(1)} s after start`);

for (const command of commands) {
  const r = spawnSync(command.replaceAll('localhost:8080', `localhost:${port}`), {
    cwd: scratch,
    shell: '/bin/sh',
    encoding: 'utf8',
    env,
  });
  t.equal(r.status, 0, `${command}\n${r.stderr.slice(0, 300)}${r.stdout.slice(0, 200)}`);
}

t.test('Ctrl-C stops it cleanly', async (t) => {
  child.kill('SIGINT');
  const code = await new Promise((res) => child.once('exit', res));
  t.equal(code, 0);
});
