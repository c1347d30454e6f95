import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/engine-fixture.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const index = pathToFileURL(join(root, 'src_refactored/index.ts')).href;
const tsxLoader = pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href;
const scripts = Object.keys(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts as Record<string, string>);

const files = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];
/** Docs whose examples a dedicated test runs and checks line by line (their output, not only their exit). */
const CHECKED_ELSEWHERE = new Set(['docs/flows.md', 'docs/flow-control.md']);

interface Block {
  file: string;
  n: number;
  lang: string;
  code: string;
}

/** A block starting with `// file: name` is a file an example uses (a sandboxed processor module). */
const FILE_BLOCK = /^\/\/ file: (\S+)/;

const blocks: Block[] = files.flatMap((file) =>
  [...readFileSync(join(root, file), 'utf8').matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((m, i) => ({ file, n: i + 1, lang: m[1], code: m[2] })),
);
const CODE = new Set(['ts', 'js', 'mjs', 'typescript', 'javascript']);
const SHELL = new Set(['sh', 'bash', 'shell']);

/**
 * Every code block of the README and docs/ is executed: TypeScript/JavaScript blocks run as modules
 * (in a child process, from a temp folder, `bullite` pointing at the sources) and must exit cleanly;
 * shell blocks may only name npm scripts that exist. `text` blocks are diagrams.
 */
describe('code blocks in the README and docs', () => {
  // Examples run from a temp folder (files they create land there) but live inside the project, so
  // their imports (zod, …) resolve from its node_modules and tsx reads its tsconfig (decorators).
  const temp = tempDir('bullite-docs-');
  // One folder per run: two runs at once in one checkout must not delete each other's examples.
  const modules = join(root, 'tests/.doc-examples', String(process.pid));
  mkdirSync(modules, { recursive: true });
  for (const b of blocks) {
    const file = FILE_BLOCK.exec(b.code)?.[1];
    if (file !== undefined) writeFileSync(join(temp.dir, file), b.code);
  }
  afterAll(() => {
    temp.cleanup();
    rmSync(modules, { recursive: true, force: true });
    try {
      rmdirSync(dirname(modules)); // the parent, once no other run uses it
    } catch {
      // another run's folder is still there
    }
  });

  it('every block has a known language', () => {
    const unknown = blocks.filter((b) => !CODE.has(b.lang) && !SHELL.has(b.lang) && b.lang !== 'text').map((b) => `${b.file} #${b.n} (${b.lang || 'no language'})`);
    expect(unknown).toEqual([]);
  });

  it('every code block is a complete example (it imports what it uses from bullite)', () => {
    const fragments = blocks.filter((b) => CODE.has(b.lang) && !FILE_BLOCK.test(b.code) && !/from 'bullite'/.test(b.code)).map((b) => `${b.file} #${b.n}`);
    expect(fragments).toEqual([]);
  });

  it.each(blocks.filter((b) => SHELL.has(b.lang)).map((b) => [`${b.file} #${b.n}`, b] as const))('%s names only npm scripts that exist', (_name, block) => {
    for (const [, script] of block.code.matchAll(/npm run ([\w:-]+)/g)) expect(scripts).toContain(script);
    for (const [, cmd] of block.code.matchAll(/npm (start|test)\b/g)) expect(scripts).toContain(cmd);
  });

  const runnable = blocks.filter((b) => CODE.has(b.lang) && /from 'bullite'/.test(b.code) && !CHECKED_ELSEWHERE.has(b.file));
  it.each(runnable.map((b) => [`${b.file} #${b.n}`, b] as const))('%s runs', async (name, block) => {
    const file = join(modules, `${name.replace(/[^\w]+/g, '-')}.mts`);
    writeFileSync(file, block.code.replaceAll(`from 'bullite'`, `from '${index}'`));
    const { stdout, stderr } = await run(process.execPath, ['--import', tsxLoader, file], {
      cwd: temp.dir,
      timeout: 60_000,
      env: { ...process.env, TSX_TSCONFIG_PATH: join(root, 'tsconfig.json') },
    }).catch((e: { stdout: string; stderr: string; message: string }) => {
      throw new Error(`${name} failed:\n${e.stderr || e.message}\n${e.stdout}`);
    });
    expect(stderr.replace(/.*ExperimentalWarning.*\n?/g, '')).not.toMatch(/Error/);
    // Where the example says what it prints (`console.log(x); // expected`), the output must match.
    const expected = [...block.code.matchAll(/console\.log\(.*\); \/\/ ([^J].*)$/gm)].map((m) => m[1]);
    for (const line of expected) expect(stdout.replace(/\s+/g, ' ')).toContain(line.replace(/\s+/g, ' '));
  });
});
