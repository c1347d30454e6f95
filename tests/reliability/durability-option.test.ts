import { afterEach, describe, expect, it } from 'vitest';
import { Queue } from '../../src_refactored/index.js';
import { openEngine } from '../support/engine-fixture.js';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

// What each mode survives is documented in docs/reliability.md; here: the option reaches SQLite.
describe("durability: 'normal' | 'full'", () => {
  it.each([
    [undefined, 1, 'NORMAL (default)'],
    ['normal', 1, 'NORMAL'],
    ['full', 2, 'FULL'],
  ] as const)('durability %s sets synchronous = %i (%s) on a WAL file', async (durability, synchronous, _label) => {
    const store = await openEngine('wal-file', durability === undefined ? {} : { durability });
    closers.push(store.close);
    expect(store.engine.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.engine.db.pragma('synchronous', { simple: true })).toBe(synchronous);
    const queue = new Queue('d', { connection: store.engine });
    closers.push(() => queue.close());
    await queue.add('j', { kept: true });
    expect((await queue.getJobs(['waiting']))[0].data).toEqual({ kept: true });
  });

  it('refuses other values with a ValidationError naming options.durability', async () => {
    await expect(openEngine('memory', { durability: 'extra' as 'full' })).rejects.toMatchObject({ field: 'options.durability' });
  });
});
