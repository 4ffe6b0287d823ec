import { signJws2020 } from './jws2020-common.js';
import type { SigningSuite } from './suite.js';

/**
 * JsonWebSignature2020, W3C CCG flavour: SHA-256(canonical proof options) ‖ SHA-256(canonical
 * document) is the JWS payload. Clearing houses since v1.11 accept it as a fallback.
 */
export const jws2020Ccg: SigningSuite = {
  id: 'jws2020-ccg',
  title: 'JsonWebSignature2020, W3C CCG flavour',
  keyTypes: ['RSA', 'P-256', 'Ed25519'],
  signCredential: async (credential, opts, env) => ({
    format: 'ldp',
    document: await signJws2020('ccg', credential, opts, env),
  }),
  signPresentation: async (presentation, opts, env) => ({
    format: 'ldp',
    document: await signJws2020('ccg', presentation, opts, env),
  }),
};
