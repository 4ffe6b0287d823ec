import { signJws2020, verifyJws2020 } from './jws2020-common.js';
import type { SigningSuite } from './suite.js';

/**
 * JsonWebSignature2020, Gaia-X flavour (Tagus 22.10): the JWS payload is the lowercase hex SHA-256 of
 * the URDNA2015 canonical credential without proof. Accepted by every GXDCH release: the default.
 */
export const jws2020GaiaX: SigningSuite = {
  id: 'jws2020',
  title: 'JsonWebSignature2020, Gaia-X flavour (hex SHA-256 payload)',
  keyTypes: ['RSA', 'P-256', 'Ed25519'],
  signCredential: async (credential, opts, env) => ({
    format: 'ldp',
    document: await signJws2020('gaia-x', credential, opts, env),
  }),
  signPresentation: async (presentation, opts, env) => ({
    format: 'ldp',
    document: await signJws2020('gaia-x', presentation, opts, env),
  }),
  // Verifies both flavours (Gaia-X first, CCG as the fallback), as a clearing house does.
  matches: (proof) => proof.type === 'JsonWebSignature2020',
  verifyProof: (document, env) => verifyJws2020(document, env),
};
