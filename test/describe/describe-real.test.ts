import t from 'tap';
import { loadConfig } from '../../src/config/load.js';
import type { ProviderConfig } from '../../src/config/schema.js';
import { bundledContexts } from '../../src/credentials/contexts.js';
import { createCanonizer } from '../../src/credentials/canonize.js';
import { createDocumentLoader } from '../../src/credentials/document-loader.js';
import { describe } from '../../src/describe/describe.js';
import { buildInventory } from '../../src/inventory/build.js';
import { resolveCloud } from '../../src/inventory/openstack/clouds-config.js';
import { OpenStackSource } from '../../src/inventory/openstack/index.js';
import { shapeSet } from '../../src/validate/shapes.js';
import { validateCredentials } from '../../src/validate/validate.js';
import { holdOpenstackLite, openstackLite } from '../helpers/openstack-lite.js';
import { rdfValidateShacl } from '../helpers/rdf-validate-shacl.js';

// The real OpenStack control plane (scripts/openstack-lite) → inventory → credentials that conform.
const lite = openstackLite();
if ('skip' in lite) {
  t.plan(0, lite.skip);
} else {
  // Files that change openstack-lite (test/pipeline/events-real.test.ts) wait for this one.
  await holdOpenstackLite();
  const env = { OS_CLIENT_CONFIG_FILE: lite.cloudsYaml, HOME: '/nonexistent' };
  const inventory = await buildInventory([new OpenStackSource(resolveCloud({ cloud: 'openstack-lite', env }))]);
  const canonizer = createCanonizer(createDocumentLoader(bundledContexts().values()));
  const provider = loadConfig({ env: {}, cwd: '/nonexistent-dir' }).config.provider as ProviderConfig;
  const ctx = {
    provider,
    baseUrl: 'https://cloud.example',
    issuer: 'did:web:cloud.example',
    issued: '2026-11-24T00:00:00Z',
  };

  for (const profile of ['gaia-x-25.11', 'tagus-22.10'] as const) {
    t.test(`the real cloud's inventory gives ${profile} credentials that conform (both engines)`, async (t) => {
      t.equal(inventory.sources[0]?.status, 'ok', 'introspection succeeded');
      const set = describe(inventory, profile, ctx);
      const members = set.credentials.map((c) => ({ credential: c.credential }));
      const ours = await validateCredentials(members, { canonizer, profile });
      t.same(
        ours.flatMap((r) => r.results).map((r) => `${r.focusNode} ${r.path ?? ''} ${r.message}`),
        [],
        'shacl-engine: conforms',
      );
      const other = await validateCredentials(members, {
        canonizer,
        profile,
        engine: rdfValidateShacl(await shapeSet(profile)),
      });
      t.same(other.flatMap((r) => r.results).length, 0, 'rdf-validate-shacl: conforms');
      if (profile === 'gaia-x-25.11') {
        const flavors = set.credentials.filter((c) => c.kind === 'server-flavor');
        t.equal(
          flavors.length,
          inventory.flavors.filter((f) => f.public && !f.disabled).length,
          'every public flavor of the real Nova',
        );
        t.ok(set.credentials.some((c) => c.kind === 'compute-offering'));
        t.ok(
          set.credentials.some((c) => c.kind === 'block-storage-offering'),
          'the seeded encrypted volume type gives block storage',
        );
        t.match(set.warnings.join('\n'), /no NetBox site mapped/, 'no NetBox here: no gx:Region, said so');
      }
    });
  }
}
