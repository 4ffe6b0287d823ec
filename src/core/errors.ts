/**
 * The one error type of gx-gateway: a message meant for the operator (what is wrong and what to
 * do) and a stable code. Each code has one exit code (CLI) and one HTTP status (API), from the
 * table below, so no adapter decides on its own.
 */
export const ERROR_CODES = {
  // The command, its configuration or its input is wrong: exit 2, HTTP 400.
  usage: { exit: 2, http: 400 },
  'bad-config': { exit: 2, http: 500 },
  'bad-input': { exit: 2, http: 400 },
  'bad-request': { exit: 2, http: 400 },
  'too-large': { exit: 2, http: 413 },
  'unknown-suite': { exit: 2, http: 400 },
  'unknown-profile': { exit: 2, http: 400 },
  'bad-cloud-config': { exit: 2, http: 400 },
  'bad-kubeconfig': { exit: 2, http: 400 },
  'bad-report': { exit: 2, http: 400 },
  'bad-jwt': { exit: 2, http: 400 },
  'bad-url': { exit: 2, http: 400 },
  'bad-key-id': { exit: 2, http: 400 },
  'bad-inventory': { exit: 2, http: 400 },
  // Who may do what (the API's roles).
  unauthenticated: { exit: 1, http: 401 },
  forbidden: { exit: 1, http: 403 },
  'not-found': { exit: 1, http: 404 },
  conflict: { exit: 1, http: 409 },
  unavailable: { exit: 1, http: 503 },
  // What the gateway holds: keys, chains.
  'no-key': { exit: 1, http: 409 },
  'duplicate-key': { exit: 1, http: 409 },
  'key-locked': { exit: 1, http: 503 },
  'bad-key': { exit: 1, http: 422 },
  'bad-keystore': { exit: 1, http: 500 },
  'bad-chain': { exit: 1, http: 422 },
  'wrong-key-type': { exit: 1, http: 422 },
  // Documents that cannot be signed or verified as they are.
  'invalid-credential': { exit: 1, http: 422 },
  'bad-credential': { exit: 1, http: 422 },
  'invalid-jsonld': { exit: 1, http: 422 },
  'unknown-context': { exit: 1, http: 422 },
  'canonize-bound': { exit: 1, http: 422 },
  'wrong-data-model': { exit: 1, http: 422 },
  'mixed-formats': { exit: 1, http: 422 },
  'sign-failed': { exit: 1, http: 422 },
  // Other parties: DIDs, chains, clouds.
  'bad-did': { exit: 1, http: 422 },
  'did-resolution': { exit: 1, http: 502 },
  'unknown-verification-method': { exit: 1, http: 422 },
  'private-address': { exit: 1, http: 422 },
  'insecure-url': { exit: 1, http: 422 },
  'http-status': { exit: 1, http: 502 },
  'fetch-failed': { exit: 1, http: 502 },
  timeout: { exit: 1, http: 504 },
  'openstack-auth': { exit: 1, http: 502 },
  kubernetes: { exit: 1, http: 502 },
  'kubernetes-auth': { exit: 1, http: 502 },
  'netbox-auth': { exit: 1, http: 502 },
  internal: { exit: 1, http: 500 },
} as const satisfies Record<string, { exit: 1 | 2; http: number }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** An error whose message is meant for the operator: it says what is wrong and what to do. */
export class GatewayError extends Error {
  constructor(
    message: string,
    /** Stable machine code, e.g. `unknown-context`. */
    readonly code: ErrorCode,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'GatewayError';
  }

  /** The CLI's exit code for this error: 2 for usage, configuration and unreadable input, else 1. */
  get exitCode(): 1 | 2 {
    return ERROR_CODES[this.code]?.exit ?? 1;
  }

  /** The HTTP status an API answers this error with. */
  get httpStatus(): number {
    return ERROR_CODES[this.code]?.http ?? 500;
  }
}

/** Whether a string is a known error code (codes cross a worker thread as strings). */
export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERROR_CODES, code);
}

/** Flatten jsonld's nested errors (`details.cause`) into the most specific readable message. */
export function describeError(err: unknown): string {
  const seen = new Set<unknown>();
  let current: unknown = err;
  let best = err instanceof Error ? err.message : String(err);
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    if (current instanceof GatewayError) return current.message;
    const e = current as { message?: string; details?: { cause?: unknown }; cause?: unknown };
    if (typeof e.message === 'string' && e.message) best = e.message;
    current = e.details?.cause ?? e.cause;
  }
  return best;
}

/** The GatewayError inside a jsonld error chain, if any. */
export function findGatewayError(err: unknown): GatewayError | undefined {
  const seen = new Set<unknown>();
  let current: unknown = err;
  while (current && typeof current === 'object' && !seen.has(current)) {
    seen.add(current);
    if (current instanceof GatewayError) return current;
    const e = current as { details?: { cause?: unknown }; cause?: unknown };
    current = e.details?.cause ?? e.cause;
  }
  return undefined;
}
