// The package build (`npm run build`): tsc writes the declarations, this bundles the JavaScript.
//
// Why a bundle and not tsc's one file per module: Node's ESM loader costs memory per module, and the
// package is ~210 modules plus inversify's ~340. Measured (import only, Node 20, RSS after GC): tsc's
// dist/index.js 83 MB, one bundle of our code 77 MB, the bundle with inversify inlined 68 MB; bare
// Node is 43 MB. inversify is inlined because it is private to the engine's composition (no public type
// or object of it crosses the API). zod is inlined too, tree-shaken: the sources import it as a
// namespace (`import * as z from 'zod'`), so esbuild keeps the 21 of its ~100 modules the schemas use
// (210 KB, English messages only) instead of Node loading all of them with their 64 locales; import
// 66.6 -> 63.9 MB, bench peak RSS W1 104 -> 102, W5 99 -> 96, idle 84 -> 80 MB. (Inlined with
// `import { z }` it measured 3 MB worse: a namespace object as a value keeps every export.) User schemas
// (defineJob) are the user's own zod objects; ours only read them through their methods. drizzle-orm and
// commander stay external (inlining them measured 8 MB worse: their bundled code is compiled eagerly),
// better-sqlite3 is native, pg and cron-parser load on first use.
//
// Usage: node esbuild.config.mjs [--outdir <dir>]   (default dist/; the e2e test builds into a temp dir)
import { build } from 'esbuild';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Packages compiled into the bundle; every other bare import stays an import of node_modules. */
const INLINED = /^(inversify|@inversifyjs\/[^/]+|reflect-metadata|zod)(\/|$)/;

/** Marks every bare import external except the inlined ones (esbuild's `packages: 'external'` has no exceptions). */
const inlinePrivatePackages = {
  name: 'bullite-inline-private-packages',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => (INLINED.test(args.path) ? undefined : { path: args.path, external: true }));
  },
};

/**
 * V8 keeps a script's source text in the heap, at one byte per character only if every character is
 * Latin-1 (up to U+00FF): one arrow in one comment stores the whole bundle at two bytes per character
 * (0.9 MB more for index.js, measured in a heap snapshot). esbuild escapes what it emits in strings,
 * templates and regexes (charset ascii), but keeps some comments as written, ours and zod's. So every
 * character above U+00FF after a comment's opening on its line (`//`, `/*`, or a leading `*`) is written
 * as its escape; one with no comment before it (a String.raw template keeps its text) stops the build,
 * to be escaped in the source. An escape only lengthens its own line: the source map holds everywhere else.
 */
export function latin1Source(code, file) {
  return code
    .split('\n')
    .map((line, n) =>
      line.replace(/[^\u0000-\u00ff]/gu, (ch, at) => {
        if (!/\/\/|\/\*|^\s*\*/.test(line.slice(0, at))) {
          throw new Error(`${file}:${n + 1}: ${JSON.stringify(ch)} is not in a comment: escape it in the source`);
        }
        return `\\u{${ch.codePointAt(0).toString(16)}}`;
      }),
    )
    .join('\n');
}

/** Writes the outputs itself, JavaScript through latin1Source (sets write: false on the build it joins). */
const latin1Output = {
  name: 'bullite-latin1-output',
  setup(b) {
    b.initialOptions.write = false;
    b.onEnd(async (result) => {
      for (const out of result.outputFiles ?? []) {
        await mkdir(dirname(out.path), { recursive: true });
        await writeFile(out.path, /\.[cm]?js$/.test(out.path) ? latin1Source(out.text, out.path) : out.contents);
      }
    });
  },
};

/** Options shared by the package build and the benchmark's build (tests/bench/bench-build.ts), so the benchmark loads what users load. */
export const BUNDLE_OPTIONS = {
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  plugins: [inlinePrivatePackages, latin1Output],
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
