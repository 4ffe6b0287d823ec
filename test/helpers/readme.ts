import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from './cli.js';
import { root } from './root.js';

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

/** The words of a walkthrough line; a line needing a shell (quotes, pipes, variables) is refused. */
export function words(command: string): string[] {
  if (/["'`$|&;<>\\*?(){}]/.test(command)) throw new Error(`not a plain command line: ${command}`);
  return command.trim().split(/\s+/);
}

/**
 * Run commands as written in a scratch folder inside the checkout (so npx finds the project's own
 * bin). The first goes through the real npx and the built bin, as a reader types it; the others run
 * the same program in this process (`runCli`: the bin's argv parsing, exit codes and output),
 * sparing a Node start-up and module load (~1 s of CPU) per command.
 */
export async function runAsWritten(
  commands: string[],
  check: (command: string, status: number | null, output: string) => void,
): Promise<() => void> {
  const scratch = mkdtempSync(join(root, '.readme-'));
  cpSync(join(root, 'examples'), join(scratch, 'examples'), { recursive: true });
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GXG_')));
  for (const [i, command] of commands.entries()) {
    if (i === 0) {
      const r = spawnSync(command, { cwd: scratch, shell: '/bin/sh', encoding: 'utf8', env });
      check(command, r.status, `${r.stdout.slice(0, 300)}${r.stderr.replace(/npm warn.*\n/g, '').slice(0, 500)}`);
      continue;
    }
    const [npx, bin, ...args] = words(command);
    if (npx !== 'npx' || bin !== 'gx-gateway') throw new Error(`not a gx-gateway command: ${command}`);
    const r = await runCli(args, { cwd: scratch });
    check(command, r.code, `${r.out.slice(0, 300)}${r.err.slice(0, 500)}`);
  }
  return () => rmSync(scratch, { recursive: true, force: true });
}
