// The package build (`npm run build`): tsc writes the declarations, this bundles the JavaScript.
//
// Why a bundle and not tsc's one file per module: Node's ESM loader costs memory per module, and the
// package is ~210 modules plus inversify's ~340. Measured (import only, Node 20, RSS after GC): tsc's
// dist/index.js 83 MB, one bundle of our code 77 MB, the bundle with inversify inlined 68 MB; bare
// Node is 43 MB. inversify is inlined because it is private to the engine's composition (no public type
// or object of it crosses the API); zod, drizzle-orm and commander stay external (inlining them measured
// 8 MB worse: their bundled code is compiled eagerly), better-sqlite3 is native, pg and cron-parser load
// on first use.
//
// Usage: node esbuild.config.mjs [--outdir <dir>]   (default dist/; the e2e test builds into a temp dir)
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

/** Packages compiled into the bundle; every other bare import stays an import of node_modules. */
const INLINED = /^(inversify|@inversifyjs\/[^/]+|reflect-metadata)(\/|$)/;

/** Marks every bare import external except the inlined ones (esbuild's `packages: 'external'` has no exceptions). */
const inlinePrivatePackages = {
  name: 'bullite-inline-private-packages',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => (INLINED.test(args.path) ? undefined : { path: args.path, external: true }));
  },
};

/** Options shared by the package build and the benchmark's build (tests/bench/bench-build.ts), so the benchmark loads what users load. */
export const BUNDLE_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  plugins: [inlinePrivatePackages],
  logLevel: 'warning',
};

/** One self-contained bundle per entry: the library, the CLI, and the sandbox child (its own process or thread). */
const ENTRIES = ['index', 'presentation/cli/main', 'presentation/sandbox/sandbox-child'];

export async function buildPackage(outdir) {
  const src = fileURLToPath(new URL('./src_refactored/', import.meta.url));
  await build({
    ...BUNDLE_OPTIONS,
    entryPoints: ENTRIES.map((entry) => ({ in: `${src}${entry}.ts`, out: entry })),
    outdir,
    sourcemap: true,
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--outdir');
  await buildPackage(at === -1 ? fileURLToPath(new URL('./dist/', import.meta.url)) : process.argv[at + 1]);
}
