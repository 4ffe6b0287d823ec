import type { HttpClient, OutboundGuard } from '../net/http-client.js';
import type { InventoryContent, SourceKind, UnknownPart } from './model.js';

export interface SourceContext {
  /** Progress for humans (stderr in the CLI). Never receives credentials. */
  progress(message: string): void;
  /** An HTTP client for this source (the source configures TLS, and the guard of untrusted URLs, through `createHttp`). */
  createHttp(tls?: { ca?: string; cert?: string; key?: string; insecure?: boolean }, guard?: OutboundGuard): HttpClient;
}

export interface SourceOutcome {
  content: Partial<InventoryContent>;
  /** Parts that failed; a source with content and errors is `partial`. */
  errors: string[];
  /** The parts of `errors` as resource kinds that are therefore unknown (see SourceProvenance.unknown). */
  unknown?: UnknownPart[];
  warnings: string[];
  apiVersions: Record<string, string>;
  /** The endpoint actually read, when only known after connecting. */
  endpoint?: string;
  requests?: number;
  retries?: number;
  /** Sum of request durations (what the requests would take one after another). */
  requestMs?: number;
}

/** One kind of inventory source. A failure throws; partial failures are reported in `errors`. */
export interface InventorySource {
  readonly id: string;
  readonly kind: SourceKind;
  /** The endpoint it reads (no credentials). */
  readonly endpoint: string;
  collect(ctx: SourceContext): Promise<SourceOutcome>;
}

/** Run a part of a source; a failure becomes an entry in `errors` and an empty result. */
export async function part<T>(errors: string[], what: string, fallback: T, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    errors.push(`${what}: ${(err as Error).message}`);
    return fallback;
  }
}

export function sortedRecord<T>(record: Record<string, T> | undefined | null): Record<string, T> {
  const out: Record<string, T> = {};
  for (const key of Object.keys(record ?? {}).sort()) out[key] = record![key]!;
  return out;
}
