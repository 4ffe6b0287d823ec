// Issue 8, low findings about the project itself: Node 20 is enough for every dependency, `npm
// start` builds only when a source changed, `serve --port` moves the embedded default's DID.
import t from 'tap';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../helpers/net.js';
import { root } from '../helpers/root.js';
import { patience } from '../helpers/wait.js';

t.test('no installed dependency requires a newer Node than 20', async (t) => {
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { engines?: { node?: string } | string[] }>;
  };
  const needsNewer = Object.entries(lock.packages)
    .filter(([, p]) => {
      const node = Array.isArray(p.engines) ? undefined : p.engines?.node;
      return node !== undefined && /^\s*>=?\s*(2[1-9]|[3-9]\d)/.test(node);
    })
    .map(([name]) => name);
  t.same(needsNewer, [], 'package-lock.json installs nothing that needs Node ≥ 21');
});

t.test('npm start builds only when a source is newer than the last build', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'gxg-stale-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  for (const d of ['scripts', 'src', 'dist']) mkdirSync(join(dir, d));
  copyFileSync(join(root, 'scripts', 'build-if-stale.mjs'), join(dir, 'scripts', 'build-if-stale.mjs'));
  const check = () =>
    spawnSync(process.execPath, [join(dir, 'scripts', 'build-if-stale.mjs'), '--check'], {
      encoding: 'utf8',
    }).stdout.trim();
  writeFileSync(join(dir, 'src', 'a.ts'), 'export {};\n');
  t.equal(check(), 'stale', 'never built');
  writeFileSync(join(dir, 'dist', '.build-stamp'), 'x');
  const old = new Date(Date.now() - 60_000);
  utimesSync(join(dir, 'src', 'a.ts'), old, old);
  utimesSync(join(dir, 'src'), old, old);
  utimesSync(join(dir, 'scripts'), old, old);
  t.equal(check(), 'up to date', 'nothing changed since the build');
  writeFileSync(join(dir, 'src', 'a.ts'), 'export const x = 1;\n');
  t.equal(check(), 'stale', 'a source changed');
});

t.test('serve --port moves the embedded default DID and x5u URLs', async (t) => {
  const cwd = mkdtempSync(join(tmpdir(), 'gxg-port-'));
  t.teardown(() => rmSync(cwd, { recursive: true, force: true }));
  const port = await freePort();
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GXG_')));
  const child = spawn(
    process.execPath,
    [join(root, 'dist', 'src', 'cli', 'main.js'), 'serve', '--port', String(port)],
    { cwd, env: { ...env, GXG_LOG__LEVEL: 'warn' } },
  );
  t.teardown(() => child.kill('SIGKILL'));
  let doc: { id: string; verificationMethod: { publicKeyJwk?: { x5u?: string } }[] } | undefined;
  const end = Date.now() + patience(30_000);
  while (!doc && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 100));
    try {
      const res = await fetch(`http://127.0.0.1:${port}/.well-known/did.json`);
      if (res.ok) doc = (await res.json()) as typeof doc;
    } catch {
      // not listening yet
    }
  }
  t.equal(doc?.id, `did:web:localhost%3A${port}`);
  const x5us = (doc?.verificationMethod ?? []).map((m) => m.publicKeyJwk?.x5u).filter(Boolean);
  t.ok(
    x5us.length > 0 && x5us.every((u) => u!.startsWith(`http://localhost:${port}/x509/`)),
    `x5u URLs on the same port (${x5us.join(', ')})`,
  );
});
