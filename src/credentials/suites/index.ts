import { GatewayError } from '../../core/errors.js';
import { ed25519Signature2020 } from './ed25519-2020.js';
import { eddsaRdfc2022Suite } from './eddsa-rdfc-2022.js';
import { jws2020Ccg } from './jws2020-ccg.js';
import { jws2020GaiaX } from './jws2020-gaiax.js';
import type { SigningSuite, SuiteId } from './suite.js';
import { vcJose } from './vc-jose.js';

export const SUITES: Readonly<Record<SuiteId, SigningSuite>> = Object.freeze({
  jws2020: jws2020GaiaX,
  'jws2020-ccg': jws2020Ccg,
  'ed25519-2020': ed25519Signature2020,
  'eddsa-rdfc-2022': eddsaRdfc2022Suite,
  'vc-jose': vcJose,
});

export { SUITE_IDS } from '../../core/ids.js';

export function getSuite(id: string): SigningSuite {
  const suite = (SUITES as Record<string, SigningSuite>)[id];
  if (!suite)
    throw new GatewayError(`unknown suite "${id}"; choose one of ${Object.keys(SUITES).join(', ')}`, 'unknown-suite');
  return suite;
}
