/** An error whose message is meant for the operator: it says what is wrong and what to do. */
export class GatewayError extends Error {
  constructor(
    message: string,
    /** Stable machine code, e.g. `unknown-context`. */
    readonly code: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'GatewayError';
  }
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
