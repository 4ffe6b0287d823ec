import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Every `npx gx-gateway …` line of the README's CLI walkthrough, in order. */
export function walkthrough(): string[] {
  const readme = readFileSync(join(root, 'README.md'), 'utf8');
  const section = readme.split('## CLI walkthrough')[1]!.split('\n## ')[0]!;
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)]
    .flatMap((m) => m[1]!.split('\n'))
    .filter((l) => l.startsWith('npx gx-gateway'));
}

/**
 * The walkthrough splits into two chains that need nothing of each other but the first command
 * (the key): the credential commands, and introspect → describe → validate → sign → diff. Each runs
 * in its own scratch folder, so the two test files run at once.
 */
export function chains(): { credentials: string[]; describe: string[] } {
  const all = walkthrough();
  const cut = all.findIndex((c) => c.startsWith('npx gx-gateway introspect'));
  return { credentials: all.slice(0, cut), describe: [all[0]!, ...all.slice(cut)] };
}

/**
 * Run commands as written in a scratch folder inside the checkout (so npx finds the project's own
 * bin). The first goes through the real npx; the others through a stand-in `npx` that runs the same
 * bin directly, sparing npm's start-up (~2 s) per command.
 */
export function runAsWritten(
  commands: string[],
  check: (command: string, status: number | null, output: string) => void,
): () => void {
  const scratch = mkdtempSync(join(root, '.readme-'));
  cpSync(join(root, 'examples'), join(scratch, 'examples'), { recursive: true });
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GXG_')));
  const shimDir = join(scratch, '.bin');
  mkdirSync(shimDir);
  const bin = join(root, 'dist', 'src', 'cli', 'main.js');
  writeFileSync(
    join(shimDir, 'npx'),
    `#!/bin/sh\n[ "$1" = gx-gateway ] || exit 97\nshift\nexec "${process.execPath}" "${bin}" "$@"\n`,
    {
      mode: 0o755,
    },
  );
  const shimmed = { ...env, PATH: `${shimDir}:${env.PATH ?? ''}` };
  for (const [i, command] of commands.entries()) {
    const r = spawnSync(command, { cwd: scratch, shell: '/bin/sh', encoding: 'utf8', env: i === 0 ? env : shimmed });
    check(command, r.status, `${r.stdout.slice(0, 300)}${r.stderr.replace(/npm warn.*\n/g, '').slice(0, 500)}`);
  }
  return () => rmSync(scratch, { recursive: true, force: true });
}
