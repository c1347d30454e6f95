import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/**
 * The folder that holds bullite's package.json and its `drizzle/` migrations, found by walking up from
 * the running module. A fixed `../../..` from import.meta.url would only be right for one layout, and
 * this module runs in three: `src_refactored/shared/` under tsx and vitest, a bundle at `dist/index.js`
 * (or `dist/presentation/cli/main.js`) once built, and the benchmark's bundle under
 * `node_modules/.cache/bullite-bench/build/`.
 */
export function packageRoot(): string {
  if (root !== undefined) return root;
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'drizzle', 'meta', '_journal.json')) && existsSync(join(dir, 'package.json'))) return (root = dir);
    if (dirname(dir) === dir) throw new Error(`bullite: no package root with drizzle/ migrations above ${start}`);
  }
}
