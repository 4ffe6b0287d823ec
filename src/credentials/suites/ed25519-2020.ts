import { Ed25519Signature2020 } from '@digitalbazaar/ed25519-signature-2020';
import { issueWith, ldSigner, signPresentationWith, verifyWithVc } from './data-integrity-common.js';
import type { JsonObject, SigningSuite, VerifyEnv } from './suite.js';

/** Ed25519Signature2020 through @digitalbazaar/vc. */
export const ed25519Signature2020: SigningSuite = {
  id: 'ed25519-2020',
  title: 'Ed25519Signature2020 (Linked Data proof)',
  keyTypes: ['Ed25519'],
  verificationMethodType: 'Multikey',
  async signCredential(credential, opts, env) {
    const suite = new Ed25519Signature2020({ signer: ldSigner(opts.signer, opts.verificationMethod), date: opts.created });
    return { format: 'ldp', document: await issueWith(suite, credential, env) };
  },
  async signPresentation(presentation, opts, env) {
    const suite = new Ed25519Signature2020({ signer: ldSigner(opts.signer, opts.verificationMethod), date: opts.created });
    return { format: 'ldp', document: await signPresentationWith(suite, presentation, opts, env) };
  },
};

export function verifyEd25519Signature2020(document: JsonObject, env: VerifyEnv) {
  return verifyWithVc(document, [new Ed25519Signature2020()], env, 'Ed25519Signature2020');
}
