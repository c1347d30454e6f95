import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../support/engine-fixture.js';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
const doc = readFileSync(join(root, 'docs/flows.md'), 'utf8');
const index = pathToFileURL(join(root, 'src_refactored/index.js')).href;
// The complete examples are the ones that open an engine; `console.log(x); // result` states what they print.
const examples = [...doc.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]).filter((code) => code.includes('createQueueEngine'));
const MARK = '--- example ';

/**
 * docs/flows.md promises runnable examples: each runs as its own module, one after the other in one child
 * process (so the TypeScript sources are transpiled once), and must print what its comments say.
 */
describe('docs/flows.md examples', () => {
  const temp = tempDir('bullite-doc-');
  const printed = new Map<number, string[]>();

  beforeAll(async () => {
    const files = examples.map((code, i) => {
      const file = join(temp.dir, `example-${i + 1}.mts`);
      writeFileSync(file, code.replaceAll(`from 'bullite'`, `from '${index}'`));
      return pathToFileURL(file).href;
    });
    const runner = join(temp.dir, 'run-all.mts');
    writeFileSync(runner, files.map((f, i) => `console.log(${JSON.stringify(MARK + (i + 1))});\nawait import(${JSON.stringify(f)});\n`).join(''));
    const { stdout } = await run(process.execPath, ['--import', 'tsx', runner], { cwd: root, timeout: 50_000 });
    let current = 0;
    for (const line of stdout.trim().split('\n')) {
      if (line.startsWith(MARK)) printed.set((current = Number(line.slice(MARK.length))), []);
      else printed.get(current)!.push(line);
    }
  });
  afterAll(() => temp.cleanup());

  it('has the five examples', () => {
    expect(examples).toHaveLength(5);
  });

  it.each(examples.map((code, i) => [i + 1, code] as const))('example %i prints what its comment says', (i, code) => {
    const expected = [...code.matchAll(/console\.log\(.*\); \/\/ (.*)$/gm)].map((m) => m[1]);
    const lines = printed.get(i)!;
    expect(lines).toHaveLength(expected.length);
    lines.forEach((line, n) => {
      if (expected[n] === 'fetch first, ship last') expect(line).toMatch(/^\[ 'fetch', '(lint|test)', '(lint|test)', 'ship' \]$/);
      else expect(line).toBe(expected[n]);
    });
  });
});
