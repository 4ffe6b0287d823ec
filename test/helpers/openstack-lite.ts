import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * Where the real OpenStack of scripts/openstack-lite is: a copy of its clouds.yaml in a folder of
 * this test run's own (a test may add a secure.yaml or change it without touching another run).
 * CI starts openstack-lite before the tests (.ci/run); on a developer machine run
 * `scripts/openstack-lite/openstack-lite up`. In CI a missing control plane is a failure,
 * elsewhere the real-OpenStack tests are skipped.
 */
export function openstackLite(): { cloudsYaml: string } | { skip: string } {
  const shared = sharedCloudsYaml();
  if (!existsSync(shared)) {
    const why = `no openstack-lite (${shared}); run scripts/openstack-lite/openstack-lite up`;
    if (process.env.CI) throw new Error(`CI needs the real OpenStack: ${why}`);
    return { skip: why };
  }
  // A clouds.yaml left behind by a stopped openstack-lite: outside CI that is a skip, not a failure.
  if (!process.env.CI && !answers(shared)) {
    return { skip: `openstack-lite is stopped (${shared}); run scripts/openstack-lite/openstack-lite up` };
  }
  const dir = mkdtempSync(join(tmpdir(), 'gxg-osl-'));
  process.once('exit', () => rmSync(dir, { recursive: true, force: true }));
  const cloudsYaml = join(dir, 'clouds.yaml');
  copyFileSync(shared, cloudsYaml);
  return { cloudsYaml };
}

/** Whether Keystone of that clouds.yaml accepts a connection (checked in a child: this helper is synchronous). */
function answers(cloudsYaml: string): boolean {
  const m = /auth_url:\s*(\S+)/.exec(readFileSync(cloudsYaml, 'utf8'));
  if (!m) return false;
  const url = new URL(m[1]!.replace(/^['"]|['"]$/g, ''));
  const probe = `const s=require('net').connect(${Number(url.port) || 80},${JSON.stringify(url.hostname)},()=>process.exit(0));s.on('error',()=>process.exit(1));setTimeout(()=>process.exit(1),2000)`;
  return spawnSync(process.execPath, ['-e', probe]).status === 0;
}

/** The shared clouds.yaml of openstack-lite (its folder holds its state, and the AMQP URL). */
const sharedCloudsYaml = () => process.env.GXG_OPENSTACK_LITE_CLOUDS ?? '/tmp/gx-openstack-lite/clouds.yaml';

/** openstack-lite's state folder (its OSL_DIR). */
export const openstackLiteDir = () => dirname(sharedCloudsYaml());

/** The AMQP URL openstack-lite's services send their notifications to; undefined when they are off. */
export function openstackLiteAmqp(): string | undefined {
  const file = join(dirname(sharedCloudsYaml()), 'amqp-url');
  return existsSync(file) ? readFileSync(file, 'utf8').trim() || undefined : undefined;
}

/**
 * openstack-lite with its notifications on, or why the file is skipped (in CI both must be there).
 * Holds openstack-lite for the file (see holdOpenstackLite).
 */
export async function openstackLiteWithNotifications(): Promise<
  { cloudsYaml: string; amqpUrl: string } | { skip: string }
> {
  const lite = openstackLite();
  if ('skip' in lite) return lite;
  const amqpUrl = openstackLiteAmqp();
  if (!amqpUrl) {
    if (process.env.CI) throw new Error('CI needs openstack-lite with its notifications on (RabbitMQ)');
    return { skip: 'openstack-lite runs without notifications (no RabbitMQ when it started)' };
  }
  await holdOpenstackLite();
  return { cloudsYaml: lite.cloudsYaml, amqpUrl };
}

/**
 * The one openstack-lite, held by this test file until it ends: tap runs files side by side, and a
 * file that adds images or flavors must not change what another introspects meanwhile. Every file
 * using openstack-lite takes it; a holder that died (SIGKILL) is taken over.
 */
export async function holdOpenstackLite(): Promise<void> {
  const lock = join(dirname(sharedCloudsYaml()), 'test-lock');
  const owner = join(lock, 'pid');
  for (;;) {
    try {
      mkdirSync(lock);
      writeFileSync(owner, String(process.pid));
      process.once('exit', () => rmSync(lock, { recursive: true, force: true }));
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const pid = Number(existsSync(owner) ? readFileSync(owner, 'utf8') : NaN);
    if (pid && !alive(pid)) {
      rmSync(lock, { recursive: true, force: true });
      continue;
    }
    // Wait for the folder to change (the lock removed), or look again after a while (a holder that
    // died between mkdir and writing its pid).
    await new Promise<void>((resolve) => {
      const w = watch(dirname(lock), () => done());
      const timer = setTimeout(() => done(), 1000);
      const done = () => {
        clearTimeout(timer);
        w.close();
        resolve();
      };
    });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
