import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import { ldSuite } from './data-integrity-common.js';

/** DataIntegrityProof with the eddsa-rdfc-2022 cryptosuite through @digitalbazaar/vc. */
export const eddsaRdfc2022Suite = ldSuite(
  'eddsa-rdfc-2022',
  'DataIntegrityProof, eddsa-rdfc-2022',
  'DataIntegrityProof eddsa-rdfc-2022',
  (signer, date) =>
    new DataIntegrityProof(signer ? { signer, cryptosuite: eddsaRdfc2022, date } : { cryptosuite: eddsaRdfc2022 }),
  (proof) => proof.type === 'DataIntegrityProof' && proof.cryptosuite === 'eddsa-rdfc-2022',
);
