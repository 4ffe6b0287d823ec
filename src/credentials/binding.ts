import { fail, pass, type Check } from './checks.js';
import { excerpt } from '../core/excerpt.js';
import type { VerifyEnv } from './suites/suite.js';

/**
 * A presentation's binding to the verifier: the challenge (nonce) and domain (audience) the verifier
 * expects must be in the proof *and* covered by its signature, or a captured presentation could be
 * replayed to anyone. `covered` says whether the signature covers the values given.
 */
export function bindingChecks(
  given: { challenge?: unknown; domain?: unknown },
  env: VerifyEnv,
  covered: boolean | string,
  names = { challenge: 'challenge', domain: 'domain' },
): Check[] {
  const checks: Check[] = [];
  const one = (what: 'challenge' | 'domain', expected: string | undefined) => {
    if (expected === undefined) return;
    const name = names[what];
    const value = given[what];
    const values = Array.isArray(value) ? value : value === undefined ? [] : [value];
    if (!values.length)
      return checks.push(
        fail(what, `the verifier expects ${name} ${excerpt(expected, 40)}, but the presentation carries none`),
      );
    if (!values.includes(expected))
      return checks.push(fail(what, `${name} ${excerpt(value, 40)} is not the expected ${excerpt(expected, 40)}`));
    if (covered !== true) {
      return checks.push(
        fail(
          what,
          `${name} matches, but ${typeof covered === 'string' ? covered : 'the signature does not cover it'}: the presentation could be replayed`,
        ),
      );
    }
    checks.push(pass(what, `${name} ${excerpt(expected, 40)}, signed`));
  };
  one('challenge', env.challenge);
  one('domain', env.domain);
  return checks;
}
