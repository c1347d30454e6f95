import { afterEach, describe, expect, it } from 'vitest';
import { JobLockedError, Queue, QueueEvents, Worker } from '../../src_refactored/index.js';
import { FakeClock } from '../support/fake-clock.js';
import { afterActive, nextEvent, openEngine, until } from '../support/engine-fixture.js';

describe('queue management', () => {
  let fixture: Awaited<ReturnType<typeof openEngine>>;
  afterEach(async () => fixture.close());

  it('pause stops workers from taking jobs; resume lets them continue', async () => {
    fixture = await openEngine('wal-file');
    const queue = new Queue('p', { connection: fixture.engine });
    await queue.pause();
    expect(await queue.isPaused()).toBe(true);
    const seen: string[] = [];
    const worker = new Worker('p', async (job) => void seen.push(job.id), { connection: fixture.engine });
    await queue.add('a', {});
    // The add wakes the idle worker at once (setImmediate); give its pump a few turns to try a claim.
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    expect(seen).toEqual([]);
    expect(await queue.getJobCounts('waiting', 'paused')).toEqual({ waiting: 1, paused: 1 });
    const settled = nextEvent(worker, 'completed'); // listen before the call: the worker may finish before it returns
    await queue.resume();
    await settled;
    expect(seen).toEqual(['1']);
    await worker.close();
  });

  it('drain removes waiting jobs and, when asked, delayed ones', async () => {
    fixture = await openEngine('memory');
    const queue = new Queue('d', { connection: fixture.engine });
    await queue.addBulk([{ name: 'a', data: 1 }, { name: 'b', data: 2, opts: { priority: 2 } }, { name: 'c', data: 3, opts: { delay: 10_000 } }]);
    await queue.drain();
    expect(await queue.getJobCounts('waiting', 'prioritized', 'delayed')).toEqual({ waiting: 0, prioritized: 0, delayed: 1 });
    await queue.drain(true);
    expect(await queue.count()).toBe(0);
  });

  it('clean removes finished jobs older than the grace period, up to the limit', async () => {
    const clock = new FakeClock();
    fixture = await openEngine('memory', { clock });
    const queue = new Queue('c', { connection: fixture.engine });
    const worker = new Worker('c', async () => 'ok', { connection: fixture.engine, removeOnComplete: false });
    await queue.addBulk(Array.from({ length: 5 }, (_, i) => ({ name: `j${i}`, data: i })));
    await until(async () => (await queue.getJobCounts('completed')).completed === 5);
    clock.advance(10_000);
    const settled = nextEvent(worker, 'completed'); // listen before the call: the worker may finish before it returns
    await queue.add('fresh', {});
    await settled;
    const removed = await queue.clean(5_000, 3, 'completed');
    expect(removed).toHaveLength(3);
    expect((await queue.getJobCounts('completed')).completed).toBe(3);
    expect(await queue.clean(5_000, 0, 'completed')).toHaveLength(2);
    expect((await queue.getCompleted()).map((j) => j.name)).toEqual(['fresh']);
    await worker.close();
  });

  it('retryJobs brings failed jobs back and promoteJobs runs delayed ones now', async () => {
    fixture = await openEngine('memory');
    const queue = new Queue('r', { connection: fixture.engine });
    let fail = true;
    const worker = new Worker('r', async () => {
      if (fail) throw new Error('first pass fails');
      return 'second pass';
    }, { connection: fixture.engine });
    await queue.addBulk([{ name: 'a', data: 1 }, { name: 'b', data: 2 }]);
    await until(async () => (await queue.getJobCounts('failed')).failed === 2);
    fail = false;
    const drained = nextEvent(worker, 'drained'); // listen before the call: the worker may finish before it returns
    await queue.retryJobs({ state: 'failed' });
    await drained;
    expect(await queue.getJobCounts('completed', 'failed')).toEqual({ completed: 2, failed: 0 });

    const delayed = await queue.add('later', {}, { delay: 60_000 });
    expect(await delayed.getState()).toBe('delayed');
    const promoted = nextEvent(worker, 'completed'); // listen before the call: the worker may finish before it returns
    await queue.promoteJobs();
    await promoted;
    expect(await delayed.getState()).toBe('completed');
    await worker.close();
  });

  it('remove deletes a job but refuses an active one; obliterate empties the queue', async () => {
    fixture = await openEngine('memory');
    const queue = new Queue('o', { connection: fixture.engine });
    const events = new QueueEvents('o', { connection: fixture.engine });
    const removedIds: string[] = [];
    events.on('removed', ({ jobId }: { jobId: string }) => removedIds.push(jobId));
    let release!: () => void;
    const worker = new Worker('o', () => new Promise<void>((r) => (release = r)), { connection: fixture.engine });
    const active = await afterActive(worker, () => queue.add('busy', {}));
    const idle = await queue.add('idle', {}, { delay: 1000 });
    await expect(queue.remove(active.id)).rejects.toThrow(JobLockedError);
    expect(await queue.remove(idle.id)).toBe(1);
    await until(() => removedIds.length > 0); // delivered after the event is stored (a later turn on PostgreSQL)
    expect(removedIds).toEqual([idle.id]);
    await expect(queue.obliterate()).rejects.toThrow('Cannot obliterate queue with active jobs');
    release();
    await nextEvent(worker, 'completed');
    await worker.close();
    await queue.add('x', {});
    await queue.obliterate();
    expect(await queue.getJobCountByTypes('waiting', 'completed', 'active')).toBe(0);
  });

  it('getJobs lists by state, newest first by default', async () => {
    fixture = await openEngine('memory');
    const queue = new Queue('l', { connection: fixture.engine });
    await queue.addBulk([{ name: 'a', data: 1 }, { name: 'b', data: 2 }, { name: 'c', data: 3, opts: { delay: 5000 } }]);
    expect((await queue.getJobs(['waiting'])).map((j) => j.name)).toEqual(['b', 'a']);
    expect((await queue.getJobs(['waiting'], 0, -1, true)).map((j) => j.name)).toEqual(['a', 'b']);
    expect((await queue.getJobs(['delayed', 'waiting'], 0, 1, true)).map((j) => j.name)).toEqual(['c', 'a']);
    expect(await queue.getJobCountByTypes('waiting', 'delayed')).toBe(3);
  });
});
