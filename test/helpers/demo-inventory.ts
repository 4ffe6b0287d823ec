import { demoSources } from '../../src/app/demo.js';
import { startDemoCloud } from '../../src/demo/cloud.js';
import type { Inventory } from '../../src/inventory/model.js';
import { introspect } from '../../src/pipeline/introspect.js';

/** The inventory `gx-gateway introspect --demo` produces: every source of the demo cloud, through the pipeline. */
export async function demoInventory(): Promise<Inventory> {
  const demo = await startDemoCloud();
  try {
    const { spec, env } = demoSources(demo, { HOME: '/nonexistent' });
    return await introspect(spec, { env });
  } finally {
    await demo.close();
  }
}
