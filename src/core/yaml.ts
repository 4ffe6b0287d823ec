import { parse, YAMLError } from 'yaml';
import { GatewayError, type ErrorCode } from './errors.js';

/**
 * YAML text parsed, or a GatewayError that says where the text is wrong (line, column, rule) but
 * never quotes it: a file may hold secrets, and the message reaches run records and API answers.
 */
export function parseYamlQuietly(text: string, what: string, code: ErrorCode): unknown {
  try {
    return parse(text);
  } catch (err) {
    if (err instanceof YAMLError) {
      const at = err.linePos?.[0];
      throw new GatewayError(
        `${what} is not valid YAML${at ? ` (line ${at.line}, column ${at.col}` : ' ('}${at ? ', ' : ''}${err.code})`,
        code,
      );
    }
    throw new GatewayError(`${what} is not valid YAML`, code);
  }
}
