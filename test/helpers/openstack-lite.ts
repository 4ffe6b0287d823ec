import { existsSync } from 'node:fs';

/**
 * Where the real OpenStack of scripts/openstack-lite is: its clouds.yaml. CI starts it before the
 * tests (.ci/run); on a developer machine run `scripts/openstack-lite/openstack-lite up`.
 * In CI a missing control plane is a failure, elsewhere the real-OpenStack tests are skipped.
 */
export function openstackLite(): { cloudsYaml: string } | { skip: string } {
  const cloudsYaml = process.env.GXG_OPENSTACK_LITE_CLOUDS ?? '/tmp/gx-openstack-lite/clouds.yaml';
  if (existsSync(cloudsYaml)) return { cloudsYaml };
  const why = `no openstack-lite (${cloudsYaml}); run scripts/openstack-lite/openstack-lite up`;
  if (process.env.CI) throw new Error(`CI needs the real OpenStack: ${why}`);
  return { skip: why };
}
