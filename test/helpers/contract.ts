import { Ajv, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { Test } from 'tap';
import { openapi, operation } from '../../src/http/openapi.js';

const addFormats = addFormatsModule as unknown as (a: Ajv) => Ajv;
const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
const spec = openapi();
ajv.addSchema({ $id: 'openapi', components: spec.components }, 'openapi');
const cache = new Map<string, ValidateFunction | null>();

type Responses = Record<string, { $ref?: string; content?: Record<string, { schema: object }> }>;

/**
 * Whether an HTTP answer is one openapi.yaml allows for the operation: a declared status, a
 * declared content type, and a body that matches its schema. Returns what is wrong, or [].
 */
export function contractErrors(
  operationId: string,
  status: number,
  contentType: string | null,
  body: string,
): string[] {
  const op = operation(operationId);
  const responses = op.spec.responses as Responses;
  let response = responses[String(status)];
  if (!response) return [`${operationId}: status ${status} is not declared`];
  if (response.$ref) {
    const name = response.$ref.split('/').pop()!;
    response = (spec.components as { responses: Responses }).responses[name]!;
  }
  if (!response.content)
    return body.length === 0 || status >= 300 ? [] : [`${operationId} ${status}: no body declared`];
  const type = (contentType ?? '').split(';')[0]!.trim();
  const declared = response.content[type];
  if (!declared)
    return [
      `${operationId} ${status}: content type ${type} not declared (${Object.keys(response.content).join(', ')})`,
    ];
  const key = `${operationId} ${status} ${type}`;
  let validate = cache.get(key);
  if (validate === undefined) {
    const schema = JSON.parse(JSON.stringify(declared.schema).replace(/"#\/components/g, '"openapi#/components'));
    validate = ajv.compile(schema);
    cache.set(key, validate);
  }
  let value: unknown = body;
  if (/json|^application\/vc$|^application\/vp$/.test(type)) {
    try {
      value = JSON.parse(body);
    } catch {
      return [`${key}: body is not JSON`];
    }
  }
  if (validate && !validate(value)) return [`${key}: ${ajv.errorsText(validate.errors)}`];
  return [];
}

/** Fetch a URL and check the answer against the operation's contract (one assertion). */
export async function call(t: Test, op: string, url: string, init: RequestInit = {}) {
  const r = await fetch(url, init);
  const body = await r.text();
  t.same(
    contractErrors(op, r.status, r.headers.get('content-type'), body),
    [],
    `${op} ${r.status} as openapi.yaml says`,
  );
  return { status: r.status, headers: r.headers, body };
}
