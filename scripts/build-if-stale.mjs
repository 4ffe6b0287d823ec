#!/usr/bin/env node
// `npm start` builds only when a source changed since the last build (a full build takes ~40 s).
import { execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stamp = join(root, 'dist', '.build-stamp');

function newest(path) {
  if (!existsSync(path)) return 0;
  const st = statSync(path);
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs;
  for (const entry of readdirSync(path)) max = Math.max(max, newest(join(path, entry)));
  return max;
}

const inputs = ['src', 'shapes', 'contexts', 'tsconfig.json', 'package.json', 'package-lock.json'].map((p) =>
  join(root, p),
);
const built = existsSync(stamp) ? statSync(stamp).mtimeMs : 0;
const fresh = built > 0 && Math.max(...inputs.map(newest)) <= built;
if (process.argv.includes('--check')) {
  // Say what would happen, build nothing (the test of this script uses it).
  process.stdout.write(fresh ? 'up to date\n' : 'stale\n');
} else if (fresh) {
  process.stderr.write('gx-gateway: build is up to date\n');
} else {
  execSync('npm run build', { cwd: root, stdio: 'inherit' });
  writeFileSync(stamp, `${new Date().toISOString()}\n`);
}
