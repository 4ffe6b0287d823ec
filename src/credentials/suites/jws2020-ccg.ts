import { jws2020Suite } from './jws2020-common.js';

/**
 * JsonWebSignature2020, W3C CCG flavour: SHA-256(canonical proof options) ‖ SHA-256(canonical
 * document) is the JWS payload. Clearing houses since v1.11 accept it as a fallback. Its proofs are
 * verified by the `jws2020` suite, which tries both flavours.
 */
export const jws2020Ccg = jws2020Suite('ccg', 'jws2020-ccg', 'JsonWebSignature2020, W3C CCG flavour');
