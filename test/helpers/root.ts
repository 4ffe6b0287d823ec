import { join } from 'node:path';
import { packageRoot } from '../../src/paths.js';

/**
 * The checkout's root, whether a test runs from test/ (ts) or compiled from dist/test/ (as `npm
 * test` runs them): paths to fixtures are taken from here, never relative to the test file.
 */
export const root = packageRoot;
/** A path under the checkout's root. */
export const fromRoot = (...parts: string[]): string => join(packageRoot, ...parts);
/** The built CLI. */
export const BIN = fromRoot('dist', 'src', 'cli', 'main.js');
