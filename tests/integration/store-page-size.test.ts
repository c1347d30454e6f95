import { describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { createQueueEngine, Queue, Worker } from '../../src_refactored/index.js';
import { PAGE_SIZE } from '../../src_refactored/infrastructure/persistence/drizzle/sqlite-database.js';
import { tempDir, until } from '../support/engine-fixture.js';
import { cleanupAfterEach } from '../support/cleanup-after-each.js';

/**
 * A store file is created with PAGE_SIZE pages (a commit writes whole pages: smaller ones make each commit
 * cheaper, issue 6). Files created before, with SQLite's 4 KB pages, keep theirs and work as they did.
 * SQLite-only: it is about the file.
 */
describe('store page size', () => {
  const defer = cleanupAfterEach();
  const pageSize = (path: string): number => {
    const db = new Database(path, { readonly: true });
    try {
      return db.pragma('page_size', { simple: true }) as number;
    } finally {
      db.close();
    }
  };

  async function addAndProcess(path: string, count: number): Promise<number> {
    const engine = await createQueueEngine({ path });
    defer(() => engine.close());
    const queue = new Queue<{ i: number }>('q', { connection: engine });
    await queue.addBulk(Array.from({ length: count }, (_, i) => ({ name: 'job', data: { i } })));
    const worker = new Worker<{ i: number }>('q', async (job) => job.data.i * 2, { connection: engine });
    defer(() => worker.close());
    let completed = 0;
    worker.on('completed', () => completed++);
    await until(() => completed === count);
    await worker.close();
    const total = (await queue.getJobCounts('completed')).completed;
    await engine.close();
    return total;
  }

  it('creates a new store file with PAGE_SIZE pages, smaller than SQLite default of 4 096', async () => {
    const { dir, cleanup } = tempDir('bullite-page-size-');
    defer(cleanup);
    expect(await addAndProcess(`${dir}/new.db`, 50)).toBe(50);
    expect(PAGE_SIZE).toBeLessThan(4096);
    expect(pageSize(`${dir}/new.db`)).toBe(PAGE_SIZE);
  });

  it('keeps the 4 KB pages of a store created before, and works on it across reopenings', async () => {
    const { dir, cleanup } = tempDir('bullite-page-size-');
    defer(cleanup);
    const path = `${dir}/old.db`;
    const old = new Database(path);
    old.pragma('page_size = 4096');
    old.pragma('journal_mode = WAL');
    old.close();
    expect(await addAndProcess(path, 50)).toBe(50);
    expect(await addAndProcess(path, 20)).toBe(70);
    expect(pageSize(path)).toBe(4096);
  });
});
