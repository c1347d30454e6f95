import { afterEach, describe, expect, it } from 'vitest';
import { Queue, QueueEvents, ValidationError } from '../../src_refactored/index.js';
import { openEngine, until, type StoreKind } from '../support/engine-fixture.js';

describe.each<StoreKind>(['memory', 'wal-file'])('adding jobs on %s', (kind) => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => close?.());

  async function setup() {
    const fixture = await openEngine(kind);
    close = fixture.close;
    return { engine: fixture.engine, queue: new Queue('adds', { connection: fixture.engine }) };
  }

  it('adding an existing custom jobId returns the stored job and emits duplicated', async () => {
    const { engine, queue } = await setup();
    const events = new QueueEvents('adds', { connection: engine });
    const duplicated: string[] = [];
    events.on('duplicated', ({ jobId }: { jobId: string }) => duplicated.push(jobId));
    const first = await queue.add('email', { to: 'a' }, { jobId: 'user-42' });
    const second = await queue.add('email', { to: 'b' }, { jobId: 'user-42' });
    await until(() => duplicated.length > 0); // delivered after the event is stored (a later turn on PostgreSQL)
    expect(second.id).toBe('user-42');
    expect(second.data).toEqual({ to: 'a' });
    expect(first.timestamp).toBe(second.timestamp);
    expect(await queue.count()).toBe(1);
    expect(duplicated).toEqual(['user-42']);
  });

  it('addBulk stores every job in one go', async () => {
    const { queue } = await setup();
    const jobs = await queue.addBulk([
      { name: 'a', data: 1 },
      { name: 'b', data: 2, opts: { priority: 3 } },
      { name: 'c', data: 3, opts: { delay: 1000 } },
    ]);
    expect(jobs.map((j) => j.id)).toEqual(['1', '2', '3']);
    expect(await queue.getJobCounts('waiting', 'prioritized', 'delayed')).toEqual({ waiting: 1, prioritized: 1, delayed: 1 });
  });

  it('addBulk with one bad entry stores nothing and names the entry', async () => {
    const { queue } = await setup();
    await queue.add('existing', {});
    const attempt = queue.addBulk([
      { name: 'a', data: 1 },
      { name: 'b', data: 2, opts: { priority: -1 } },
    ]);
    await expect(attempt).rejects.toThrow(ValidationError);
    await expect(attempt).rejects.toMatchObject({ field: 'jobs[1].opts.priority' });
    expect(await queue.count()).toBe(1);
  });

  it('stores data as given and round-trips it through getJob', async () => {
    const { queue } = await setup();
    const data = { nested: { list: [1, 'two', null, { deep: true }] }, unicode: 'žluťoučký 🐎', when: '2026-01-01' };
    const job = await queue.add('data', data);
    expect((await queue.getJob(job.id))!.data).toEqual(data);
  });
});
