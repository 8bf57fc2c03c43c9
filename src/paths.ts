import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package root, found by walking up to our package.json: the same from src/ (tests) and dist/src/. */
const findPackageRoot = (from: string): string => {
  let dir = from;
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate) && JSON.parse(readFileSync(candidate, 'utf8')).name === 'stripe-ledger')
      return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find the stripe-ledger package root above ${from}`);
    dir = parent;
  }
};

export const packageRoot = findPackageRoot(dirname(fileURLToPath(import.meta.url)));
export const migrationsDir = join(packageRoot, 'migrations');
