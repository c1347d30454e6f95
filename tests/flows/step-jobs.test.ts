import { describe, expect, it } from 'vitest';
import { DelayedError, Queue, QueueEvents, WaitingError, Worker, type Job, type QueueEngine } from '../../src_refactored/index.js';
import { FakeClock } from '../support/fake-clock.js';
import { nextEvent, until } from '../support/engine-fixture.js';
import { engineScope } from '../support/engine-scope.js';

describe('step jobs', () => {
  const scope = engineScope();
  let engine: QueueEngine;

  it('DelayedError: the job sleeps until the fake clock reaches the timestamp; no attempt is counted', async () => {
    const clock = new FakeClock();
    engine = await scope.open('memory', { clock });
    const queue = new Queue('steps', { connection: engine });
    const events = new QueueEvents('steps', { connection: engine });
    const steps: string[] = [];
    const worker = new Worker('steps', async (job: Job<{ step: string }>, token) => {
      steps.push(job.data.step);
      if (job.data.step === 'first') {
        await job.updateData({ step: 'second' });
        await job.moveToDelayed(clock.now() + 60_000, token);
        throw new DelayedError();
      }
      return 'done';
    }, { connection: engine });
    scope.track(worker);
    const failed: unknown[] = [];
    worker.on('failed', (...args) => failed.push(args));
    const delayed = nextEvent<[{ jobId: string; delay: number }]>(events, 'delayed');
    const job = await queue.add('agent', { step: 'first' }, { attempts: 1 });
    const [event] = await delayed;
    expect(event).toMatchObject({ jobId: job.id, delay: clock.now() + 60_000 });
    expect(await job.getState()).toBe('delayed');
    const stored = await queue.getJob(job.id);
    expect(stored!.attemptsMade).toBe(0);

    clock.advance(59_000);
    await engine.scheduler.tick(); // a sweep at 59 s promotes nothing
    expect(await job.getState()).toBe('delayed');
    const completed = nextEvent(worker, 'completed');
    clock.advance(1_000);
    await completed;
    expect(steps).toEqual(['first', 'second']);
    expect(failed).toEqual([]);
    expect((await queue.getJob(job.id))!.attemptsMade).toBe(1);
    await events.close();
  });

  it('WaitingError: the job goes back to the end of the queue without using an attempt', async () => {
    engine = await scope.open('memory');
    const queue = new Queue('steps', { connection: engine });
    const order: string[] = [];
    scope.track(new Worker('steps', async (job: Job<{ yielded?: boolean }>, token) => {
      order.push(job.name);
      if (job.name === 'yielder' && !job.data.yielded) {
        await job.updateData({ yielded: true });
        await job.moveToWait(token);
        throw new WaitingError();
      }
      return job.name;
    }, { connection: engine }));
    await queue.addBulk([{ name: 'yielder', data: {} }, { name: 'other', data: {} }]);
    await until(async () => (await queue.getJobCounts('completed')).completed === 2);
    expect(order).toEqual(['yielder', 'other', 'yielder']);
    const yielder = (await queue.getJobs(['completed'])).find((j) => j.name === 'yielder');
    expect(yielder!.attemptsMade).toBe(1);
    expect(yielder!.attemptsStarted).toBe(2);
  });

  it('changePriority reorders waiting jobs (and lifo puts a job first in its priority)', async () => {
    engine = await scope.open('memory');
    const queue = new Queue('prio', { connection: engine });
    const [a, b, c] = await queue.addBulk(['a', 'b', 'c'].map((name) => ({ name, data: {}, opts: { priority: 5 } })));
    await c.changePriority({ priority: 1 });
    await b.changePriority({ priority: 5, lifo: true });
    expect(await a.getState()).toBe('prioritized');
    const d = await queue.add('d', {}, { priority: 3 });
    await d.changePriority({ priority: 0 });
    expect(await d.getState()).toBe('waiting');
    const worker = new Worker('prio', null, { connection: engine });
    const order: string[] = [];
    for (let i = 0; i < 4; i++) order.push((await worker.getNextJob(`t${i}`))!.name);
    expect(order).toEqual(['d', 'c', 'b', 'a']);
    await expect(a.changePriority({ priority: -1 })).rejects.toMatchObject({ field: 'opts.priority' });
    const gone = await queue.add('gone', {});
    await gone.remove();
    await expect(gone.changePriority({ priority: 2 })).rejects.toMatchObject({ code: 'ERR_JOB_NOT_FOUND' });
    await worker.close();
  });

  it('changeDelay moves the due time of a delayed job (fake clock)', async () => {
    const clock = new FakeClock();
    engine = await scope.open('memory', { clock });
    const queue = new Queue('delays', { connection: engine });
    const job = await queue.add('later', {}, { delay: 1_000 });
    await job.changeDelay(10_000);
    clock.advance(5_000);
    await engine.scheduler.tick(); // the old due time (1 s) has passed, the new one (10 s) has not
    expect(await job.getState()).toBe('delayed');
    clock.advance(5_000);
    await until(async () => (await job.getState()) === 'waiting');
    await expect(job.changeDelay(5)).rejects.toMatchObject({ code: 'ERR_JOB_NOT_DELAYED' });
    await expect(job.changeDelay(-5)).rejects.toMatchObject({ field: 'delay' });
  });

  it('promote runs a delayed job now; retry(state, { resetAttemptsMade }) re-runs a finished one', async () => {
    engine = await scope.open('memory');
    const queue = new Queue('misc', { connection: engine });
    const job = await queue.add('x', {}, { delay: 3_600_000 });
    await job.promote();
    expect(await job.getState()).toBe('waiting');
    const worker = new Worker('misc', null, { connection: engine });
    const claimed = await worker.getNextJob('t1');
    await claimed!.moveToFailed(new Error('nope'), 't1');
    expect((await queue.getJob(job.id))!.attemptsMade).toBe(1);
    await job.retry('failed', { resetAttemptsMade: true });
    const again = await queue.getJob(job.id);
    expect(again!.attemptsMade).toBe(0);
    expect(await again!.getState()).toBe('waiting');
    await expect(job.retry('completed')).rejects.toMatchObject({ code: 'ERR_JOB_STATE' });
    await worker.close();
  });

  it('moveToDelayed with a lost lock throws and changes nothing', async () => {
    engine = await scope.open('memory');
    const queue = new Queue('lock', { connection: engine });
    await queue.add('x', {});
    const worker = new Worker('lock', null, { connection: engine });
    const job = await worker.getNextJob('mine');
    await expect(job!.moveToDelayed(Date.UTC(2030, 0, 1), 'theirs')).rejects.toMatchObject({ code: 'ERR_LOCK_LOST' });
    expect(await job!.getState()).toBe('active');
    await worker.close(true);
  });
});
