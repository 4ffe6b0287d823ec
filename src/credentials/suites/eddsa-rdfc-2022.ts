import { DataIntegrityProof } from '@digitalbazaar/data-integrity';
import { cryptosuite as eddsaRdfc2022 } from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import { issueWith, ldSigner, signPresentationWith, verifyWithVc } from './data-integrity-common.js';
import type { JsonObject, SigningSuite, VerifyEnv } from './suite.js';

/** DataIntegrityProof with the eddsa-rdfc-2022 cryptosuite through @digitalbazaar/vc. */
export const eddsaRdfc2022Suite: SigningSuite = {
  id: 'eddsa-rdfc-2022',
  title: 'DataIntegrityProof, eddsa-rdfc-2022',
  keyTypes: ['Ed25519'],
  verificationMethodType: 'Multikey',
  async signCredential(credential, opts, env) {
    const suite = new DataIntegrityProof({ signer: ldSigner(opts.signer, opts.verificationMethod), cryptosuite: eddsaRdfc2022, date: opts.created });
    return { format: 'ldp', document: await issueWith(suite, credential, env) };
  },
  async signPresentation(presentation, opts, env) {
    const suite = new DataIntegrityProof({ signer: ldSigner(opts.signer, opts.verificationMethod), cryptosuite: eddsaRdfc2022, date: opts.created });
    return { format: 'ldp', document: await signPresentationWith(suite, presentation, opts, env) };
  },
};

export function verifyEddsaRdfc2022(document: JsonObject, env: VerifyEnv) {
  return verifyWithVc(document, [new DataIntegrityProof({ cryptosuite: eddsaRdfc2022 })], env, 'DataIntegrityProof eddsa-rdfc-2022');
}
