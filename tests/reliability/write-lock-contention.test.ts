import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { Queue, StorageError, Worker, type Job } from '../../src_refactored/index.js';
import { openEngine, until } from '../support/engine-fixture.js';

const closers: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

describe('another process holds the write lock for long', () => {
  it('the worker reports a clear error event, keeps its finished attempt, and records it once the lock is free', async () => {
    const store = await openEngine('wal-file', { busyTimeout: 20 });
    closers.push(store.close);
    const queue = new Queue('contended', { connection: store.engine });
    closers.push(() => queue.close());
    const job = await queue.add('work', { n: 1 });

    // A second connection (as another process would) takes the write lock and keeps it.
    const other = new Database(store.path);
    closers.push(() => void other.close());
    let finishProcessor: () => void = () => undefined;
    const processorMayFinish = new Promise<void>((r) => (finishProcessor = r));
    let runs = 0;
    const errors: Error[] = [];
    const worker = new Worker(
      'contended',
      async (j: Job<{ n: number }>) => {
        runs += 1;
        await processorMayFinish;
        return j.data.n + 1;
      },
      { connection: store.engine },
    );
    worker.on('error', (e: Error) => errors.push(e));
    closers.push(() => worker.close(true));
    await until(async () => (await queue.getJobState(job.id)) === 'active');
    other.exec('BEGIN IMMEDIATE');
    finishProcessor();

    await until(() => errors.length >= 2);
    expect(errors[0]).toBeInstanceOf(StorageError);
    expect(errors[0]).toMatchObject({ failure: 'busy', message: expect.stringMatching(/write lock: another process holds it/) });
    await expect(queue.add('meanwhile', {})).rejects.toMatchObject({ failure: 'busy' });
    expect(await queue.getJobState(job.id)).toBe('active'); // reads still work

    other.exec('ROLLBACK');
    await until(async () => (await queue.getJobState(job.id)) === 'completed');
    expect(runs).toBe(1); // the finished attempt was kept, not redone
    expect(await queue.getJob(job.id)).toMatchObject({ returnvalue: 2, attemptsMade: 1 });
  });
});
