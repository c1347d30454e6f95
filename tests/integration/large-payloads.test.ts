import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import Database from 'better-sqlite3';
import { createQueueEngine, FlowProducer, Queue, Worker, type Job, type QueueEngine } from '../../src_refactored/index.js';
import { JOB_COLUMNS } from '../../src_refactored/infrastructure/persistence/drizzle/sql-fragments.js';
import { INLINE_DATA_MAX } from '../../src_refactored/infrastructure/persistence/drizzle/sqlite-job-payloads.js';
import { openEngine, tempDir, until } from '../support/engine-fixture.js';
import { cleanupAfterEach } from '../support/cleanup-after-each.js';

/**
 * Job data above INLINE_DATA_MAX is stored in job_payloads, not in the job's row, so the state changes
 * that rewrite the row (claim, completion, progress) do not rewrite the data (issue 6: a 20 KB job wrote
 * 19.5 WAL frames per claim + completion, against 9.5 for a small one). SQLite-only: it is about the file.
 * What a user sees must not change: every path that returns a job returns its data.
 */
describe('large job data', () => {
  const defer = cleanupAfterEach();

  async function open(options: Parameters<typeof openEngine>[1] = {}) {
    const store = await openEngine('wal-file', options);
    defer(store.close);
    const raw = new Database(store.path, { readonly: true });
    defer(() => void raw.close());
    const count = (sql: string) => (raw.prepare(sql).pluck().get() as number);
    return { ...store, raw, payloadRows: () => count('SELECT count(*) FROM job_payloads'), largestRowData: () => count('SELECT max(length(data)) FROM jobs') };
  }

  const large = (tag: string, size = 20_000) => ({ tag, text: `${tag}:`.padEnd(size, 'é') });

  it('reads back the same on every path that returns a job, and updateData moves it in and out of the row', async () => {
    const { engine, payloadRows, largestRowData } = await open();
    const queue = new Queue<{ tag: string; text?: string }>('q', { connection: engine });
    const one = await queue.add('big', large('one'));
    const [small, two] = await queue.addBulk([
      { name: 'small', data: { tag: 'small' } },
      { name: 'big', data: large('two', INLINE_DATA_MAX + 1) },
    ]);
    // A duplicate custom id returns the stored job, data included.
    const custom = await queue.add('big', large('custom'), { jobId: 'c1' });
    expect((await queue.add('big', large('other'), { jobId: 'c1' })).data).toEqual(large('custom'));
    expect(payloadRows()).toBe(3);
    expect(largestRowData()).toBeLessThanOrEqual(INLINE_DATA_MAX);

    expect((await queue.getJob(one.id!))?.data).toEqual(large('one'));
    expect((await queue.getJobs(['waiting'], 0, -1, true)).map((j) => j.data)).toEqual([large('one'), { tag: 'small' }, large('two', INLINE_DATA_MAX + 1), large('custom')]);
    const found = await queue.searchJobs({ dataQuery: { tag: { $in: ['two', 'small'] } }, order: 'asc' });
    expect(found.jobs.map((j) => j.id)).toEqual([small.id, two.id]);
    expect((await queue.searchJobs({ dataQuery: { text: { $contains: 'custom:éé' } } })).jobs.map((j) => j.id)).toEqual([custom.id]);

    const seen: unknown[] = [];
    const worker = new Worker(
      'q',
      async (job: Job<{ tag: string; text?: string }>) => {
        seen.push(job.data);
        // large -> small, small -> large: the data leaves or enters job_payloads.
        if (job.data.tag === 'one') await job.updateData({ tag: 'one, now small' });
        if (job.data.tag === 'small') await job.updateData(large('small, now large'));
        await job.updateProgress({ step: job.data.tag });
        return job.data.tag;
      },
      { connection: engine },
    );
    defer(() => worker.close());
    await until(async () => (await queue.getJobCounts('completed')).completed === 4);
    expect(seen).toEqual([large('one'), { tag: 'small' }, large('two', INLINE_DATA_MAX + 1), large('custom')]);
    expect((await queue.getJob(one.id!))?.data).toEqual({ tag: 'one, now small' });
    expect((await queue.getJob(small.id!))?.data).toEqual(large('small, now large'));
    expect((await queue.getJob(two.id!))?.returnvalue).toBe('two');
    expect(payloadRows()).toBe(3);
  });

  it('keeps data of up to INLINE_DATA_MAX bytes in its row, with no overflow page, and moves more bytes apart', async () => {
    const { engine, payloadRows, raw } = await open();
    const queue = new Queue<{ t: string }>('q', { connection: engine });
    // {"t":"…"} is 8 bytes of JSON around the text; 'é' is 2 bytes of UTF-8 in 1 UTF-16 unit.
    const ascii = { t: 'a'.repeat(INLINE_DATA_MAX - 8) };
    const accented = { t: 'é'.repeat((INLINE_DATA_MAX - 8) / 2) };
    // 518 units but 1 026 bytes: only its size in bytes sends it apart.
    const over = { t: 'é'.repeat((INLINE_DATA_MAX - 8) / 2 + 1) };
    const opts = { attempts: 3, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: false };
    for (const data of [ascii, accented, over]) await queue.add('edge', data, opts);
    expect(payloadRows()).toBe(1);

    const worker = new Worker<{ t: string }>('q', async (job) => job.data.t.length, { connection: engine });
    defer(() => worker.close());
    let completed = 0;
    worker.on('completed', () => completed++);
    await until(() => completed === 3);
    const jobs = await queue.getJobs(['completed'], 0, -1, true);
    expect(jobs.map((j) => j.data)).toEqual([ascii, accented, over]);
    expect(jobs.map((j) => j.returnvalue)).toEqual([ascii.t.length, accented.t.length, over.t.length]);
    const overflowPages = raw.prepare("SELECT count(*) FROM dbstat WHERE name = 'jobs' AND pagetype = 'overflow'").pluck().get();
    expect(overflowPages).toBe(0);
  });

  it('leaves with its job: retention, remove, a flow and obliterate leave no payload behind', async () => {
    const { engine, payloadRows } = await open();
    const queue = new Queue('q', { connection: engine });
    await queue.addBulk(['a', 'b', 'c', 'd'].map((tag) => ({ name: 'big', data: large(tag) })));
    const worker = new Worker('q', async () => 'done', { connection: engine, removeOnComplete: 1 });
    defer(() => worker.close());
    let completed = 0;
    worker.on('completed', () => completed++);
    await until(() => completed === 4);
    expect(payloadRows()).toBe(1);

    await worker.pause();
    const kept = await queue.add('big', large('kept'));
    const removed = await queue.add('big', large('removed'));
    await queue.remove(removed.id!);
    expect(payloadRows()).toBe(2);

    const flow = await new FlowProducer({ connection: engine }).add({
      name: 'parent',
      queueName: 'flows',
      data: large('parent'),
      children: [{ name: 'child', queueName: 'flows', data: large('child') }],
    });
    expect((await new Queue('flows', { connection: engine }).getJob(flow.children![0].job.id!))?.data).toEqual(large('child'));
    expect(payloadRows()).toBe(4);
    await new Queue('flows', { connection: engine }).obliterate({ force: true });
    expect(payloadRows()).toBe(2);
    expect((await queue.getJob(kept.id!))?.data).toEqual(large('kept'));
  });

  it('is encrypted like inline data, and reencrypt() moves it to the current key', async () => {
    const { dir, cleanup } = tempDir('bullite-large-enc-');
    defer(cleanup);
    const path = `${dir}/jobs.db`;
    const openAt = async (encryption?: { key: Buffer; previousKeys?: Buffer[] }): Promise<QueueEngine> => {
      const engine = await createQueueEngine({ path, idleCheckInterval: 10, ...(encryption ? { encryption } : {}) });
      defer(() => engine.close());
      return engine;
    };
    const oldKey = randomBytes(32);
    const newKey = randomBytes(32);
    const plain = await openAt();
    const before = await new Queue('enc', { connection: plain }).add('big', large('plain'));
    await plain.close();
    const first = await openAt({ key: oldKey });
    const mid = await new Queue('enc', { connection: first }).add('big', large('old key'));
    await first.close();

    const rotating = await openAt({ key: newKey, previousKeys: [oldKey] });
    expect(await rotating.reencrypt()).toEqual({ jobs: 2, logs: 0 });
    await rotating.close();
    const newOnly = await openAt({ key: newKey });
    const queue = new Queue('enc', { connection: newOnly });
    expect((await queue.getJob(before.id!))?.data).toEqual(large('plain'));
    expect((await queue.getJob(mid.id!))?.data).toEqual(large('old key'));
  });

  it('JOB_COLUMNS, the select list of whole-job reads, names every column of jobs', async () => {
    const { engine } = await open();
    const columns = (engine.db.prepare("SELECT name FROM pragma_table_info('jobs')").pluck().all() as string[]).sort();
    const listed = JOB_COLUMNS.split(',').map((c) => c.trim().split(/\s+/).at(-1)!).sort();
    expect(listed).toEqual(columns);
  });
});
