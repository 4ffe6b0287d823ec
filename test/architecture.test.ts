// The data flow is visible in the folders: each folder of src/ imports only folders below it.
import t from 'tap';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { fromRoot } from './helpers/root.js';

const src = fromRoot('src') + '/';

/** Top to bottom; a folder may import the folders after it (and files at the root of src/). */
const LAYERS = [
  ['cli'],
  ['app'],
  ['http'],
  ['demo'],
  ['pipeline'],
  ['approval'],
  ['publish'],
  ['status'],
  ['describe'],
  ['validate'],
  ['inventory', 'credentials'],
  ['store'],
  ['config'],
  ['net'],
  ['core', 'types'],
];
const rank = new Map(LAYERS.flatMap((names, i) => names.map((n) => [n, i] as const)));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const folderOf = (file: string) => {
  const parts = relative(src, file).split('/');
  return parts.length > 1 ? parts[0]! : '(root)';
};

const violations: string[] = [];
const folders = new Set<string>();
for (const file of files(src)) {
  const from = folderOf(file);
  folders.add(from);
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(/(?:from|import\()\s*'(\.[^']+)'/g)) {
    const target = normalize(join(dirname(file), m[1]!));
    const to = folderOf(target);
    if (to === from || to === '(root)') continue;
    const a = rank.get(from);
    const b = rank.get(to);
    if (a === undefined || b === undefined || b <= a)
      violations.push(`${relative(src, file)} imports ${relative(src, target)} (${from} → ${to})`);
  }
}

t.same(
  [...folders].filter((f) => f !== '(root)' && !rank.has(f)),
  [],
  'every folder of src/ has its place in the layers',
);
t.same(violations, [], 'no folder imports a folder above it or beside it');
