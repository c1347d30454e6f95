import { describe, expect, it } from 'vitest';
import { FlowProducer, Queue, QueueEvents, Worker, type DeadLetterData, type Job, type QueueEngine } from '../../src_refactored/index.js';
import { FakeClock } from '../support/fake-clock.js';
import { nextEvent, until } from '../support/engine-fixture.js';
import { engineScope } from '../support/engine-scope.js';

describe('dead letters', () => {
  const scope = engineScope();
  let engine: QueueEngine;

  it('copies a job that failed for good, with its data, error and history; retries do not', async () => {
    engine = await scope.open('wal-file');
    const queue = new Queue('mail', { connection: engine });
    const dlq = new Queue('mail-dlq', { connection: engine });
    const dlqEvents = new QueueEvents('mail-dlq', { connection: engine });
    let attempt = 0;
    scope.track(new Worker('mail', async () => {
      attempt += 1;
      throw new Error(`smtp down (${attempt})`);
    }, { connection: engine }));
    const added = nextEvent<[{ jobId: string }]>(dlqEvents, 'added');
    const job = await queue.add('send', { to: 'a@b.c' }, { attempts: 2, deadLetter: { queue: 'mail-dlq' }, removeOnFail: true });
    const [{ jobId }] = await added;
    expect(attempt).toBe(2);
    expect(await dlq.count()).toBe(1);
    expect(await queue.getJobState(job.id)).toBe('unknown'); // removeOnFail: the copy is all that is left
    const letter = (await dlq.getJob(jobId))!;
    expect(letter.name).toBe('send');
    const data = letter.data as DeadLetterData<{ to: string }>;
    expect(data).toMatchObject({
      source: { queue: 'mail', id: job.id, name: 'send' },
      data: { to: 'a@b.c' },
      failedReason: 'smtp down (2)',
      attemptsMade: 2,
      attemptsStarted: 2,
    });
    expect(data.stacktrace).toHaveLength(2);
    expect(data.stacktrace[0]).toContain('smtp down (1)');
    expect(data.opts.deadLetter).toEqual({ queue: 'mail-dlq' });

    // Re-drive: the original job again, from the letter.
    await scope.workers.pop()!.close();
    scope.track(new Worker('mail', async (j: Job<{ to: string }>) => `sent to ${j.data.to}`, { connection: engine }));
    const again = await new Queue(data.source.queue, { connection: engine }).add(data.source.name, data.data, data.opts);
    await until(async () => (await again.getState()) === 'completed');
    expect((await queue.getJob(again.id))!.returnvalue).toBe('sent to a@b.c');
    await dlqEvents.close();
  });

  it('uses a queue default and also dead-letters a parent failed by its child', async () => {
    engine = await scope.open('memory');
    const flows = new FlowProducer({ connection: engine });
    const tree = await flows.add(
      { name: 'parent', queueName: 'p', children: [{ name: 'child', queueName: 'c', opts: { failParentOnFailure: true } }] },
      { queuesOptions: { p: { defaultJobOptions: { deadLetter: { queue: 'dead' } } } } },
    );
    scope.track(new Worker('c', async () => {
      throw new Error('child broke');
    }, { connection: engine }));
    const dead = new Queue('dead', { connection: engine });
    await until(async () => (await dead.count()) === 1);
    const [letter] = await dead.getJobs(['waiting']);
    expect(letter.data).toMatchObject({ source: { queue: 'p', id: tree.job.id }, failedReason: `child c:${tree.children![0].job.id} failed` });
  });

  it('dead-letters a job that stalled past the limit', async () => {
    const clock = new FakeClock();
    engine = await scope.open('memory', { clock });
    const queue = new Queue('s', { connection: engine });
    await queue.add('x', { v: 1 }, { deadLetter: { queue: 's-dead' } });
    const crashed = new Worker('s', null, { connection: engine, lockDuration: 1_000, maxStalledCount: 0, stalledInterval: 500 });
    await crashed.getNextJob('lost');
    const watcher = new Worker('s', async () => 'never', { connection: engine, lockDuration: 1_000, maxStalledCount: 0, stalledInterval: 500 });
    scope.track(crashed);
    scope.track(watcher);
    clock.advance(5_000);
    const dead = new Queue('s-dead', { connection: engine });
    await until(async () => (await dead.count()) === 1);
    const [letter] = await dead.getJobs(['waiting']);
    expect(letter.data).toMatchObject({ data: { v: 1 }, failedReason: 'job stalled more than allowable limit' });
  });

  it('refuses a dead-letter queue equal to the job queue', async () => {
    engine = await scope.open('memory');
    const queue = new Queue('same', { connection: engine });
    await expect(queue.add('x', {}, { deadLetter: { queue: 'same' } })).rejects.toMatchObject({ field: 'opts.deadLetter.queue' });
  });
});
