import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { PROJECT_ROOT } from '../support/child-process.js';
import { tempDir } from '../support/engine-fixture.js';
// @ts-expect-error: a plain .mjs config without declarations.
import { buildPackage, latin1Source } from '../../esbuild.config.mjs';

/**
 * What `npm run build` ships, run the way an installed package runs: plain Node on the bundles in
 * dist/, no tsx, no sources. The package is laid out in a temp folder (dist/ built there, drizzle/ and
 * node_modules/ linked), so the engine must find its migrations and the sandbox child from the bundles.
 */
const temp = tempDir('bullite-built-');
const pkg = join(temp.dir, 'node_modules', 'bullite');
const dbPath = join(temp.dir, 'jobs.db');

function runNode(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: temp.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

beforeAll(async () => {
  mkdirSync(pkg, { recursive: true });
  copyFileSync(join(PROJECT_ROOT, 'package.json'), join(pkg, 'package.json'));
  symlinkSync(join(PROJECT_ROOT, 'drizzle'), join(pkg, 'drizzle'));
  symlinkSync(join(PROJECT_ROOT, 'node_modules'), join(pkg, 'node_modules'));
  await buildPackage(join(pkg, 'dist'));
}, 60_000);

afterAll(() => temp.cleanup());

describe('the built package (npm run build)', () => {
  it('is one bundle per entry point', () => {
    for (const entry of ['index.js', 'presentation/cli/main.js', 'presentation/sandbox/sandbox-child.js']) {
      expect(existsSync(join(pkg, 'dist', entry)), entry).toBe(true);
    }
    expect(existsSync(join(pkg, 'dist', 'core'))).toBe(false);
    // inversify (~340 modules) and zod's modules that the schemas use are compiled in: esbuild.config.mjs says why.
    const index = readFileSync(join(pkg, 'dist', 'index.js'), 'utf8');
    expect(index).not.toMatch(/from ["'](inversify|@inversifyjs\/[^"']+|zod)["']/);
    // Tree-shaken: zod's locales other than English are not in it (zod's Hebrew locale names its language).
    expect(index).toContain('Too small: expected');
    expect(index).not.toMatch(/\bhe\.js|Hebrew|\\u05D\w/i);
  });

  it('ships every bundle in Latin-1, so V8 stores each source at one byte per character', () => {
    for (const entry of ['index.js', 'presentation/cli/main.js', 'presentation/sandbox/sandbox-child.js']) {
      const text = readFileSync(join(pkg, 'dist', entry), 'utf8');
      const wide = [...text].filter((ch) => ch.codePointAt(0)! > 0xff);
      expect(wide, entry).toEqual([]);
    }
    // The dashboard script's ellipsis is written as an escape in its source: the browser's JavaScript reads it back.
    expect(readFileSync(join(pkg, 'dist', 'index.js'), 'utf8')).toContain("'reconnecting\\u2026'");
  });

  it('escapes a wide character in a comment, and refuses one in a raw template', () => {
    expect(latin1Source('const a = 1; // 1 \u2192 2\n/** x \u2264 y */\n * a \u2026\n', 'f.js')).toBe(
      'const a = 1; // 1 \\u{2192} 2\n/** x \\u{2264} y */\n * a \\u{2026}\n',
    );
    expect(latin1Source('const b = "caf\u00e9 \u00b7 \u00d7";', 'f.js')).toBe('const b = "caf\u00e9 \u00b7 \u00d7";');
    expect(() => latin1Source('const t = String.raw`wait\u2026`;', 'f.js')).toThrow(/f\.js:1: "\u2026" is not in a comment/);
  });

  it('opens a store, runs sandboxed processors in a child process and a thread, and the CLI reads the file', async () => {
    const processor = pathToFileURL(join(PROJECT_ROOT, 'tests/fixtures/sandbox/echo-processor.mjs')).href;
    writeFileSync(
      join(temp.dir, 'consumer.mjs'),
      `import { createQueueEngine, Queue, Worker } from 'bullite';
const engine = await createQueueEngine({ path: ${JSON.stringify(dbPath)} });
const queue = new Queue('built', { connection: engine });
const results = [];
for (const useWorkerThreads of [false, true]) {
  const job = await queue.add('echo', { n: 21 });
  const worker = new Worker('built', new URL(${JSON.stringify(processor)}), { connection: engine, useWorkerThreads });
  const done = new Promise((resolve, reject) => { worker.on('completed', (_job, value) => resolve(value)); worker.on('failed', (_job, error) => reject(error)); });
  results.push(await done);
  await worker.close();
}
await engine.close();
console.log(JSON.stringify(results));
`,
    );
    const consumer = await runNode(['consumer.mjs']);
    expect(consumer.stderr).toBe('');
    expect(consumer.code).toBe(0);
    expect(JSON.parse(consumer.stdout)).toEqual([
      { doubled: 42, sawCheckpoint: 'half', attempt: 0 },
      { doubled: 42, sawCheckpoint: 'half', attempt: 0 },
    ]);

    const cli = await runNode([join(pkg, 'dist/presentation/cli/main.js'), 'stats', '--db', dbPath, '--json']);
    expect(cli.stderr).toBe('');
    expect(cli.code).toBe(0);
    expect(JSON.stringify(JSON.parse(cli.stdout))).toContain('"completed":2');
  }, 60_000);
});
