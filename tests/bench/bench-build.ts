import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';
// @ts-expect-error: a plain .mjs config without declarations; its shape is BUNDLE_OPTIONS below.
import { BUNDLE_OPTIONS } from '../../esbuild.config.mjs';

/**
 * Bundles the workload entry points to plain JavaScript before measuring, with the package build's
 * options (esbuild.config.mjs: the same packages inlined and external), so every figure is for the code
 * `npm run build` ships. Running them under tsx would add its loader thread (~70 MB) to every peak-RSS
 * figure and its transform time to start-up.
 *
 * The engine finds its migrations by walking up to the package root (src_refactored/shared/package-root.ts),
 * which this folder under node_modules/.cache is inside of.
 */
export const BUILD_DIR = fileURLToPath(new URL('../../node_modules/.cache/bullite-bench/build/', import.meta.url));

const ENTRIES = ['bench-child', 'w7-worker.process', 'pickup-worker.process'];

export async function buildBench(): Promise<string> {
  await build({
    ...(BUNDLE_OPTIONS as object),
    entryPoints: ENTRIES.map((name) => fileURLToPath(new URL(`./${name}.ts`, import.meta.url))),
    outdir: BUILD_DIR,
    sourcemap: true,
  });
  return `${BUILD_DIR}bench-child.js`;
}
