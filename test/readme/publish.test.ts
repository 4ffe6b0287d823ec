// The README's publishing section: the gateway started as `npm start` starts it (the built bin's
// `serve` on the embedded default, in a scratch folder, with its demo peers), then every line as
// written: the gx-gateway commands in-process against its store, the curl lines through a shell,
// on the ports the test got instead of 8080 and the peers' 8085–8088.
import t from 'tap';
import { patience } from '../helpers/wait.js';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from '../helpers/cli.js';
import { words } from '../helpers/readme.js';
import { root } from '../helpers/root.js';
import { startServeProcess } from '../helpers/service.js';

const readme = readFileSync(join(root, 'README.md'), 'utf8');
const section = readme.split('## Publishing: clearing houses, catalogues, credential events')[1]!.split('\n## ')[0]!;
const commands = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].flatMap((m) => m[1]!.split('\n')).filter(Boolean);
if (commands.length < 6) throw new Error(`only ${commands.length} commands in the publishing section`);

const scratch = mkdtempSync(join(root, '.readme-publish-'));
t.teardown(() => rmSync(scratch, { recursive: true, force: true }));
const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GXG_')));
const gateway = await startServeProcess({
  cwd: scratch,
  args: (p) => ['serve', '--port', String(p)],
  env: (_p, demoPorts) => ({ GXG_DEMO__PORTS: demoPorts.join(','), GXG_LOG__LEVEL: 'info' }),
});
const { child, port } = gateway;
t.teardown(() => child.kill('SIGTERM'));

t.test('the section as written, against the started gateway', async (t) => {
  // The peers' addresses as the gateway logged them (8085–8088 after 8080; any free ones when taken).
  const started = Date.now();
  let peers: { clearingHouse: string; catalogue: string; catalogue2026: string; events: string } | undefined;
  let ports: { catalogueIdentityProvider: number } | undefined;
  const token = () => readFileSync(join(scratch, '.gx-gateway', 'admin-token'), 'utf8').trim();
  /** The gateway's JSON log line holding `marker`, once it is there. */
  const logged = <T>(marker: string): T | undefined => {
    const line = gateway
      .output()
      .split('\n')
      .find((l) => l.includes(marker));
    return line ? (JSON.parse(line) as T) : undefined;
  };
  for (;;) {
    peers ??= logged<typeof peers>('demo peers');
    const r = peers
      ? await fetch(`http://localhost:${port}/admin/compliance`, {
          headers: { authorization: `Bearer ${token()}` },
        }).catch(() => undefined)
      : undefined;
    ports ??= logged<typeof ports>('"demo ports');
    // Both profiles: Tagus (JSON-LD) and Loire (the 25.11 VC-JWTs).
    const items = r?.ok ? ((await r.json()) as { items: { state: string; profile: string }[] }).items : [];
    const issued = ['tagus-22.10', 'gaia-x-25.11'].every((p) =>
      items.some((i) => i.state === 'issued' && i.profile === p),
    );
    // …and announced: the credential event follows the issuance through the outbox.
    if (issued && ((await (await fetch(`${peers!.events}/credentials-events`)).json()) as unknown[]).length) break;
    if (Date.now() - started > patience(90_000))
      throw new Error(`no compliance credential within ${patience(90)} s: ${gateway.output().slice(-1500)}`);
    await new Promise((res) => setTimeout(res, 200));
  }
  t.pass(`a compliance credential ${((Date.now() - started) / 1000).toFixed(1)} s after start`);
  const hostOf = (url: string) => new URL(url).host.replace('127.0.0.1', 'localhost');

  const outputs: string[] = [];
  for (const command of commands) {
    if (command.startsWith('npx gx-gateway')) {
      const [, , ...args] = words(command);
      const r = await runCli(args, { cwd: scratch });
      t.equal(r.code, 0, `${command}\n${r.err.slice(0, 300)}`);
      outputs.push(r.out);
      continue;
    }
    const line = command
      .replaceAll('localhost:8080', `localhost:${port}`)
      .replaceAll('localhost:8085', hostOf(peers!.clearingHouse))
      .replaceAll('localhost:8086', hostOf(peers!.events))
      .replaceAll('localhost:8087', `localhost:${ports!.catalogueIdentityProvider}`)
      .replaceAll('localhost:8088', hostOf(peers!.catalogue))
      .replaceAll('localhost:8089', hostOf(peers!.catalogue2026));
    const r = spawnSync(line, { cwd: scratch, shell: '/bin/sh', encoding: 'utf8', env });
    t.equal(r.status, 0, `${command}\n${r.stderr.slice(0, 300)}`);
    outputs.push(r.stdout);
  }
  const all = outputs.join('\n');
  t.match(all, /demo tagus-22\.10: issued by demo-gxdch/, 'the compliance credential, in the CLI');
  t.match(
    all,
    /demo tagus-22\.10: registration number from the notary did:web:127\.0\.0\.1%3A\d+:notary, valid until/,
    "the demo notary's credential, in the CLI",
  );
  t.match(all, /demo gaia-x-25\.11: issued by demo-gxdch/, 'the Loire compliance credential, in the CLI');
  t.notMatch(all, /not submitted/, 'both profiles submitted');
  t.match(all, /"totalCount":\s*[1-9]/, 'entries in the 2025 catalogue');
  t.match(all, /"contentType":"application\/vp\+jwt"/, 'VC-JWTs in the 2026 catalogue');
  t.match(all, /eu\.gaia-x\.credential/, 'a credential event');
  t.match(
    all,
    /"profile":"tagus-22\.10","kind":"compliance","types":\["compliance"\],"state":"published"/,
    'the Tagus compliance credential in the listing',
  );
  t.match(
    all,
    /"profile":"gaia-x-25\.11","kind":"compliance","types":\["LabelCredential"\],"state":"published"/,
    'the Loire label in the listing',
  );
  t.match(
    all,
    /demo-xfsc: \d+ pending, 0 dead/,
    "no dead letter: the notary's VC-JWT is not queued for the 2025 catalogue",
  );
  t.match(
    all,
    /"types":\["VatID"\][^}]*"signedWith":"did:web:127\.0\.0\.1%3A\d+:notary#/,
    "the registration number is the demo notary's credential",
  );
});

t.test('Ctrl-C stops it cleanly', async (t) => {
  child.kill('SIGINT');
  const code = await new Promise((res) => child.once('exit', res));
  t.equal(code, 0);
});
