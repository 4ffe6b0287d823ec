import { jws2020Suite, verifyJws2020 } from './jws2020-common.js';
import type { SigningSuite } from './suite.js';

/**
 * JsonWebSignature2020, Gaia-X flavour (Tagus 22.10): the JWS payload is the lowercase hex SHA-256 of
 * the URDNA2015 canonical credential without proof. Accepted by every GXDCH release: the default.
 */
export const jws2020GaiaX: SigningSuite = {
  ...jws2020Suite('gaia-x', 'jws2020', 'JsonWebSignature2020, Gaia-X flavour (hex SHA-256 payload)'),
  // Verifies both flavours (Gaia-X first, CCG as the fallback), as a clearing house does.
  matches: (proof) => proof.type === 'JsonWebSignature2020',
  verifyProof: (document, env) => verifyJws2020(document, env),
};
