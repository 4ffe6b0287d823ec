import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { openapiPath } from '../paths.js';

export interface OpenApiOperation {
  operationId: string;
  method: string;
  /** OpenAPI path template, e.g. `/x509/{keyFile}`. */
  path: string;
  spec: Record<string, unknown>;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, Record<string, unknown>>>;
  components?: { schemas?: Record<string, unknown>; [k: string]: unknown };
}

let cached: OpenApiDocument | undefined;

export function openapi(): OpenApiDocument {
  cached ??= parse(readFileSync(openapiPath, 'utf8')) as OpenApiDocument;
  return cached;
}

export function operations(doc: OpenApiDocument = openapi()): OpenApiOperation[] {
  const out: OpenApiOperation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, spec] of Object.entries(item)) {
      if (typeof spec === 'object' && spec && 'operationId' in spec) {
        out.push({ operationId: String(spec.operationId), method: method.toUpperCase(), path, spec });
      }
    }
  }
  return out;
}

/** The operation with this id; routes take their method and path from here. */
export function operation(operationId: string): OpenApiOperation {
  const op = operations().find((o) => o.operationId === operationId);
  if (!op) throw new Error(`openapi.yaml has no operation ${operationId}`);
  return op;
}

/** OpenAPI `{param}` → fastify `:param`. */
export function fastifyPath(path: string): string {
  return path.replace(/\{([^}]+)\}/g, ':$1');
}

/** The fastify URL of an operation: `{param}` → `:param`; an `x-wildcard` operation ends in `*`. */
export function routeUrl(op: OpenApiOperation): string {
  if (op.spec['x-wildcard']) return op.path.replace(/\{[^}]+\}$/, '*');
  return fastifyPath(op.path);
}
