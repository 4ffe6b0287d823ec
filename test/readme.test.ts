import t from 'tap';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

// Every `npx gx-gateway …` line of the README's CLI walkthrough runs as written and succeeds.
const root = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const section = readme.split('## CLI walkthrough')[1]!.split('\n## ')[0]!;
const commands = [...section.matchAll(/```sh\n([\s\S]*?)```/g)]
  .flatMap((m) => m[1]!.split('\n'))
  .filter((l) => l.startsWith('npx gx-gateway'));

t.ok(commands.length >= 10, `the walkthrough has ${commands.length} commands`);
// A scratch folder inside the checkout, so npx finds the project's own bin.
const scratch = mkdtempSync(join(root, '.readme-'));
t.teardown(() => rmSync(scratch, { recursive: true, force: true }));
cpSync(join(root, 'examples'), join(scratch, 'examples'), { recursive: true });

const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GXG_')));
// The first command goes through the real npx (it finds the checkout's own bin); the others through
// a stand-in `npx` that runs the same bin directly, sparing npm's start-up (~2 s) per command.
const shimDir = join(scratch, '.bin');
mkdirSync(shimDir);
const bin = join(root, 'dist', 'src', 'cli', 'main.js');
writeFileSync(
  join(shimDir, 'npx'),
  `#!/bin/sh\n[ "$1" = gx-gateway ] || exit 97\nshift\nexec "${process.execPath}" "${bin}" "$@"\n`,
  { mode: 0o755 },
);
const shimmed = { ...env, PATH: `${shimDir}:${env.PATH ?? ''}` };
for (const [i, command] of commands.entries()) {
  const r = spawnSync(command, { cwd: scratch, shell: '/bin/sh', encoding: 'utf8', env: i === 0 ? env : shimmed });
  t.equal(r.status, 0, `${command}\n${r.stdout.slice(0, 300)}${r.stderr.replace(/npm warn.*\n/g, '').slice(0, 500)}`);
}
