import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Where the real OpenStack of scripts/openstack-lite is: a copy of its clouds.yaml in a folder of
 * this test run's own (a test may add a secure.yaml or change it without touching another run).
 * CI starts openstack-lite before the tests (.ci/run); on a developer machine run
 * `scripts/openstack-lite/openstack-lite up`. In CI a missing control plane is a failure,
 * elsewhere the real-OpenStack tests are skipped.
 */
export function openstackLite(): { cloudsYaml: string } | { skip: string } {
  const shared = process.env.GXG_OPENSTACK_LITE_CLOUDS ?? '/tmp/gx-openstack-lite/clouds.yaml';
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
