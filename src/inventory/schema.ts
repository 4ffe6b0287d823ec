import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ajv2020, type ErrorObject } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { GatewayError } from '../core/errors.js';
import { packageRoot } from '../paths.js';
import type { Inventory } from './model.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

export const inventorySchemaPath = join(packageRoot, 'schemas', 'inventory.schema.json');

let validator: (((data: unknown) => boolean) & { errors?: ErrorObject[] | null }) | undefined;

function compile() {
  const ajv = new Ajv2020({ allErrors: true, strict: true });
  addFormats(ajv);
  return ajv.compile(JSON.parse(readFileSync(inventorySchemaPath, 'utf8')) as object);
}

/** Problems of an inventory against schemas/inventory.schema.json (empty when valid). */
export function inventoryProblems(data: unknown): string[] {
  validator ??= compile();
  if (validator(data)) return [];
  return (validator.errors ?? [])
    .slice(0, 20)
    .map(
      (e) =>
        `${e.instancePath || '/'} ${e.message ?? 'is invalid'}${e.keyword === 'additionalProperties' ? ` (${(e.params as { additionalProperty: string }).additionalProperty})` : ''}`,
    );
}

export function assertInventory(data: unknown, what = 'inventory'): asserts data is Inventory {
  const problems = inventoryProblems(data);
  if (problems.length)
    throw new GatewayError(
      `${what} does not match schemas/inventory.schema.json: ${problems.join('; ')}`,
      'bad-inventory',
    );
}
