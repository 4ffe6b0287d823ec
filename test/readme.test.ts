import t from 'tap';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Every `npx gx-gateway …` line of the README's CLI walkthrough runs as written and succeeds.
const root = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const section = readme.split('## CLI walkthrough')[1]!.split('\n## ')[0]!;
const commands = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.split('\n')).filter((l) => l.startsWith('npx gx-gateway'));

t.ok(commands.length >= 10, `the walkthrough has ${commands.length} commands`);
// A scratch folder inside the checkout, so npx finds the project's own bin.
const scratch = mkdtempSync(join(root, '.readme-'));
t.teardown(() => rmSync(scratch, { recursive: true, force: true }));
cpSync(join(root, 'examples'), join(scratch, 'examples'), { recursive: true });

const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GXG_')));
for (const command of commands) {
  const r = spawnSync(command, { cwd: scratch, shell: '/bin/sh', encoding: 'utf8', env });
  t.equal(r.status, 0, `${command}\n${r.stdout.slice(0, 300)}${r.stderr.replace(/npm warn.*\n/g, '').slice(0, 500)}`);
}
