import { Ed25519Signature2020 } from '@digitalbazaar/ed25519-signature-2020';
import { ldSuite } from './data-integrity-common.js';

/** Ed25519Signature2020 through @digitalbazaar/vc. */
export const ed25519Signature2020 = ldSuite(
  'ed25519-2020',
  'Ed25519Signature2020 (Linked Data proof)',
  'Ed25519Signature2020',
  (signer, date) => new Ed25519Signature2020(signer ? { signer, date } : {}),
  (proof) => proof.type === 'Ed25519Signature2020',
);
