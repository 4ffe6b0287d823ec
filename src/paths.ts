import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The package root (where contexts/, shapes/ and openapi.yaml live), found by walking up from
 * this file. Works from src/ (tests) and from dist/src/ (built) alike.
 */
function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string };
      if (pkg.name === 'gx-gateway') return dir;
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('gx-gateway: cannot find the package root (package.json)');
    dir = parent;
  }
}

export const packageRoot = findPackageRoot();
export const contextsDir = join(packageRoot, 'contexts');
export const shapesDir = join(packageRoot, 'shapes');
export const openapiPath = join(packageRoot, 'openapi.yaml');
export const packageVersion = (
  JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string }
).version;
