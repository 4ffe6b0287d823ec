import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { DEMO_PROVIDER, loadConfig } from '../../src/config/load.js';
import { startGateway, type RunningGateway } from '../../src/app/server.js';
import type { StoreLocation } from '../../src/store/open.js';
import { BIN } from './root.js';
import { patience } from './wait.js';

export const ADMIN_TOKEN = 'test-operator-token-0123456789';
export const ADMIN = { authorization: `Bearer ${ADMIN_TOKEN}` };
export const PUBLIC_BASE = 'http://gateway.test';

/** The configuration of a gateway with the demo cloud, on a given database, listening on a free port. */
export function serviceConfig(db: StoreLocation, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    publicBaseUrl: PUBLIC_BASE,
    server: { port: 0, host: '127.0.0.1' },
    keys: { dir: 'keys', generateDevKeys: true },
    log: { level: 'silent' },
    database: db.url ? { url: db.url, poolSize: 4 } : { file: db.file },
    api: {
      adminTokenSha256: createHash('sha256').update(ADMIN_TOKEN).digest('hex'),
      rateLimitPerMinute: 100000,
      authFailuresPerMinute: 100000,
    },
    scheduler: { tickSeconds: 0.2, leaseSeconds: 5 },
    clouds: [{ id: 'demo', name: 'Demo', demo: true, intervalSeconds: 3600 }],
    provider: DEMO_PROVIDER,
    ...extra,
  };
}

export interface ServiceUnderTest {
  gw: RunningGateway;
  url: string;
  dir: string;
  restart(): Promise<ServiceUnderTest>;
  close(): Promise<void>;
}

/** Free loopback ports (bound, then released). */
export async function freePorts(n: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: n },
      () =>
        new Promise<Server>((res) => {
          const s = createServer();
          s.listen(0, '127.0.0.1', () => res(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise((res) => s.close(res))));
  return ports;
}

/**
 * Start a gateway from a real YAML configuration file in a temporary folder. Its demo cloud keeps
 * its ports across restarts (as the embedded default's does), so its credentials stay the same.
 */
export async function startService(
  db: StoreLocation,
  extra: Record<string, unknown> = {},
  dir = mkdtempSync(join(tmpdir(), 'gxg-svc-')),
): Promise<ServiceUnderTest> {
  const file = join(dir, 'gx-gateway.yaml');
  if (!existsSync(file))
    writeFileSync(file, stringify(serviceConfig(db, { demo: { ports: await freePorts(3) }, ...extra })));
  const gw = await startGateway(loadConfig({ file, env: {} }));
  const self: ServiceUnderTest = {
    gw,
    url: gw.address,
    dir,
    async restart() {
      await gw.close();
      return startService(db, extra, dir);
    },
    async close() {
      await gw.close();
    },
  };
  return self;
}

export const removeDir = (dir: string) => rmSync(dir, { recursive: true, force: true });

/** Wait until the cloud's newest run has ended; returns it (as the API shows it). */
export async function settledRun(url: string, cloud = 'demo', timeoutMs = 60_000): Promise<Record<string, unknown>> {
  const until = Date.now() + patience(timeoutMs);
  for (;;) {
    const r = await fetch(`${url}/admin/runs?cloud=${cloud}&limit=1`, { headers: ADMIN });
    const { runs } = (await r.json()) as { runs: Record<string, unknown>[] };
    if (runs[0] && runs[0].state !== 'running') return runs[0];
    if (Date.now() > until) throw new Error(`no finished run of ${cloud} within ${patience(timeoutMs)} ms`);
    await new Promise((res) => setTimeout(res, 100));
  }
}

/** Gateway processes this test file started: none outlives it, however it ends (a tap timeout too). */
const children = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});
function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Start `gx-gateway serve` on a configuration file (in `cwd`) as a process; resolve with its address once it listens. */
export function serveProcess(file: string, cwd: string): Promise<{ child: ChildProcess; url: string }> {
  const child = track(
    spawn(process.execPath, [BIN, '--config', file, 'serve'], {
      cwd,
      // The gateway reads GXG_* as configuration: none of the test run's own.
      env: Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GXG_'))),
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /"listening":"(http:\/\/[^"]+)"/.exec(out);
      if (m) resolve({ child, url: m[1]! });
    });
    child.on('exit', (code) =>
      reject(new Error(`gateway exited (${code}) before listening: ${out.slice(-500)} ${err.slice(-800)}`)),
    );
  });
}

/**
 * Start `gx-gateway …serve` as a process on free ports and resolve once it answers /health. The
 * embedded default's demo identity provider and peers take ports after server.port; when another
 * test took one of those meanwhile (EADDRINUSE), it starts again on other ports. Output is kept.
 */
export async function startServeProcess(opts: {
  cwd: string;
  args: (port: number) => string[];
  env: (port: number, demoPorts: number[]) => Record<string, string>;
}): Promise<{ child: ChildProcess; port: number; output: () => string }> {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('GXG_')));
  for (let attempt = 1; ; attempt++) {
    const [port, ...demoPorts] = await freePorts(4);
    const child = track(
      spawn(process.execPath, [BIN, ...opts.args(port!)], {
        cwd: opts.cwd,
        env: { ...base, ...opts.env(port!, demoPorts) },
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    let out = '';
    child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    let exited = false;
    child.once('exit', () => (exited = true));
    const end = Date.now() + patience(60_000);
    while (!exited && Date.now() < end) {
      const r = await fetch(`http://127.0.0.1:${port}/health`).catch(() => undefined);
      if (r?.ok) return { child, port: port!, output: () => out };
      await new Promise((res) => setTimeout(res, 100));
    }
    child.kill('SIGKILL');
    if (exited && /EADDRINUSE/.test(out) && attempt < 4) continue;
    throw new Error(`gx-gateway did not start (attempt ${attempt}): ${out.slice(-1500)}`);
  }
}
