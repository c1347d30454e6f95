import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

/**
 * Bundles the workload entry points to plain JavaScript before measuring. Running them under tsx
 * would add its loader thread (~70 MB) to every peak-RSS figure and its transform time to start-up.
 *
 * The output folder sits four levels below the package root, like dist/infrastructure/persistence/
 * drizzle/: sqlite-database.ts finds the migrations at '../../../../drizzle' from its own module URL.
 */
export const BUILD_DIR = fileURLToPath(new URL('../../node_modules/.cache/bullite-bench/build/', import.meta.url));

const ENTRIES = ['bench-child', 'w7-worker.process', 'pickup-worker.process'];

export async function buildBench(): Promise<string> {
  await build({
    entryPoints: ENTRIES.map((name) => fileURLToPath(new URL(`./${name}.ts`, import.meta.url))),
    outdir: BUILD_DIR,
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    sourcemap: true,
    logLevel: 'warning',
  });
  return `${BUILD_DIR}bench-child.js`;
}
