// The README's compliance officer section, as written: the gateway started on examples/officer.yaml
// (approval mode), then every line of the walkthrough in order (gx-gateway in this process as the
// bin runs it, openssl and curl through the shell), on the ports the test got instead of 8090.
import t from 'tap';
import { patience } from '../helpers/wait.js';
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { root } from '../helpers/root.js';
import { startServeProcess } from '../helpers/service.js';

const readme = readFileSync(join(root, 'README.md'), 'utf8');
const section = readme.split('## The compliance officer')[1]!.split('\n## ')[0]!;
const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!.trim().split('\n'));
t.equal(blocks[0]!.join(), 'npx gx-gateway -c examples/officer.yaml serve', 'first the gateway');
const commands = blocks[1]!;
t.ok(commands.length >= 12, `${commands.length} commands`);

const scratch = mkdtempSync(join(root, '.readme-officer-'));
cpSync(join(root, 'examples'), join(scratch, 'examples'), { recursive: true });
t.teardown(() => rmSync(scratch, { recursive: true, force: true }));
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GXG_')));
const gxgFor = (port: number, demoPorts: number[]) => ({
  GXG_SERVER__PORT: String(port),
  GXG_PUBLIC_BASE_URL: `http://localhost:${port}`,
  GXG_DEMO__PORTS: demoPorts.join(','),
  GXG_LOG__LEVEL: 'warn',
});
let gxg: Record<string, string> = {};
const gateway = await startServeProcess({
  cwd: scratch,
  args: () => ['-c', 'examples/officer.yaml', 'serve'],
  env: (port, demoPorts) => (gxg = gxgFor(port, demoPorts)),
});
const { child, port } = gateway;
const here = `localhost:${port}`;
t.teardown(() => child.kill('SIGTERM'));

/** The words of a line: spaces split, double quotes group (as the shell reads these lines). */
const words = (line: string) => [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);

t.test('the walkthrough, line by line', async (t) => {
  // Until the first run has drafted (the walkthrough's second terminal starts then).
  const started = Date.now();
  for (;;) {
    const r = await runCli(['-c', 'examples/officer.yaml', 'drafts', 'list', '--json'], { cwd: scratch, env: gxg });
    if (r.code === 0 && (JSON.parse(r.out) as { sets: unknown[] }).sets.length) break;
    if (Date.now() - started > patience(60_000))
      throw new Error(`no drafts within ${patience(60)} s: ${gateway.output().slice(-1000)}`);
    await new Promise((res) => setTimeout(res, 300));
  }
  for (const line of commands) {
    const command = line.replaceAll('localhost:8090', here);
    if (command.startsWith('npx gx-gateway ')) {
      const r = await runCli(words(command).slice(2), { cwd: scratch, env: gxg });
      t.equal(r.code, 0, `${line}\n${r.out.slice(0, 300)}${r.err.slice(0, 500)}`);
    } else {
      const r = spawnSync(command, { cwd: scratch, shell: '/bin/sh', encoding: 'utf8', env });
      t.equal(r.status, 0, `${line}\n${r.stderr.slice(0, 300)}${r.stdout.slice(0, 200)}`);
    }
  }
  const signed = (await (await fetch(`http://${here}/credentials/25.11/legal-person/v/1`)).json()) as {
    proof: { verificationMethod: string; cryptosuite: string };
  };
  t.match(signed.proof, { cryptosuite: 'eddsa-rdfc-2022', verificationMethod: /#alice-card-multikey$/ });
  t.equal((await fetch(`http://${here}/credentials/25.11/datacenters/az-b/v/1`)).status, 404, 'the rejected one');
  t.equal((await fetch(`http://${here}/credentials/25.11/datacenters/az-a/v/1`)).status, 410, 'the revoked one');
});
