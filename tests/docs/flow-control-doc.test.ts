import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';

/**
 * Runs every example of docs/flow-control.md as written, with `'bullite'` pointed at the source, and
 * checks what it prints, so the page cannot drift from the code.
 */
const root = join(import.meta.dirname, '..', '..');
const doc = readFileSync(join(root, 'docs', 'flow-control.md'), 'utf8');
const blocks = [...doc.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);
// Outside the repository, so an interrupted run leaves nothing for the typecheck to trip on.
const dir = mkdtempSync(join(tmpdir(), 'bullite-doc-'));
const source = join(root, 'src_refactored', 'index.js');

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function run(code: string, index: number): Promise<string[]> {
  const file = join(dir, `example-${index}.ts`);
  writeFileSync(file, code.replaceAll(`from 'bullite'`, `from '${source}'`));
  const lines: string[] = [];
  const spy = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void lines.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' ')));
  try {
    await import(file);
  } finally {
    spy.mockRestore();
  }
  return lines;
}

describe('docs/flow-control.md examples', () => {
  const expected: string[][] = [
    ['third start waited ≥ 500 ms', '{"max":10,"duration":1000}'],
    ['1 0'],
    ['1 1'],
    ['a1 b1 a2 b2 a3'],
    ['add of 2 deduplicated into 1 (user-42)', 'true', 'true', '1'],
    ['true user pressed stop', 'failed'],
    ['true Job 1 timed out after 50 ms', 'fetched'],
  ];
  it('has the examples this test knows', () => expect(blocks).toHaveLength(expected.length));
  blocks.forEach((code, i) => {
    it(`example ${i + 1} runs and prints what the page says`, async () => {
      const lines = await run(code, i);
      for (const line of expected[i]) expect(lines).toContain(line);
    });
  });
});
