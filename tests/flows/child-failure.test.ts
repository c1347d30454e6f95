import { describe, expect, it } from 'vitest';
import { FlowProducer, Queue, QueueEvents, Worker, type Job, type QueueEngine } from '../../src_refactored/index.js';
import { until } from '../support/engine-fixture.js';
import { FakeClock } from '../support/fake-clock.js';
import { engineScope } from '../support/engine-scope.js';

/** What a failed child does to its parent, per child option (each test drives real workers on SQLite). */
describe('flow child failure policies', () => {
  const scope = engineScope();
  let engine: QueueEngine;

  const failing = (queue: string) => {
    const worker = new Worker(queue, async (job: Job) => {
      if (job.name.startsWith('bad')) throw new Error(`boom ${job.name}`);
      return job.name;
    }, { connection: engine });
    scope.track(worker);
    return worker;
  };

  const stateOf = (queue: string, id: string) => new Queue(queue, { connection: engine }).getJobState(id);

  it('failParentOnFailure propagates two levels up', async () => {
    engine = await scope.open('memory');
    const events = new QueueEvents('top', { connection: engine });
    const flows = new FlowProducer({ connection: engine });
    const tree = await flows.add({
      name: 'grandparent',
      queueName: 'top',
      children: [
        {
          name: 'parent',
          queueName: 'mid',
          opts: { failParentOnFailure: true },
          children: [
            { name: 'bad-leaf', queueName: 'leaf', opts: { failParentOnFailure: true } },
            { name: 'good-leaf', queueName: 'leaf' },
          ],
        },
      ],
    });
    const failedTop = new Promise<{ jobId: string; failedReason: string }>((resolve) => events.once('failed', resolve));
    failing('leaf');
    const parent = tree.children![0];
    const leafId = parent.children![0].job.id;
    const event = await failedTop;
    expect(event).toMatchObject({ jobId: tree.job.id, failedReason: `child mid:${parent.job.id} failed` });
    const mid = await new Queue('mid', { connection: engine }).getJob(parent.job.id);
    expect(mid!.failedReason).toBe(`child leaf:${leafId} failed`);
    expect(await stateOf('top', tree.job.id)).toBe('failed');
    expect(await mid!.getDependencies()).toMatchObject({ failed: [`leaf:${leafId}`] });
    await events.close();
  });

  it('ignoreDependencyOnFailure lets the parent run and reports the ignored failure', async () => {
    engine = await scope.open('memory');
    const flows = new FlowProducer({ connection: engine });
    const tree = await flows.add({
      name: 'parent',
      queueName: 'p',
      children: [
        { name: 'bad', queueName: 'c', opts: { ignoreDependencyOnFailure: true } },
        { name: 'good', queueName: 'c' },
      ],
    });
    failing('c');
    let seen: unknown;
    scope.track(new Worker('p', async (job: Job) => {
      seen = { values: await job.getChildrenValues(), ignored: await job.getIgnoredChildrenFailures() };
      return 'ran';
    }, { connection: engine }));
    await until(async () => (await stateOf('p', tree.job.id)) === 'completed');
    const [bad, good] = tree.children!.map((n) => `c:${n.job.id}`);
    expect(seen).toEqual({ values: { [good]: 'good' }, ignored: { [bad]: 'boom bad' } });
  });

  it('continueParentOnFailure starts the parent at once; removeDependencyOnFailure drops the edge', async () => {
    engine = await scope.open('memory');
    const flows = new FlowProducer({ connection: engine });
    const cont = await flows.add({
      name: 'parent',
      queueName: 'p',
      children: [
        { name: 'bad', queueName: 'c', opts: { continueParentOnFailure: true } },
        { name: 'slow', queueName: 'idle' }, // never processed: the parent must not wait for it
      ],
    });
    const removed = await flows.add({
      name: 'parent2',
      queueName: 'p',
      children: [{ name: 'bad2', queueName: 'c', opts: { removeDependencyOnFailure: true } }],
    });
    failing('c');
    await until(async () => (await stateOf('p', cont.job.id)) === 'waiting' && (await stateOf('p', removed.job.id)) === 'waiting');
    expect(await cont.job.getFailedChildrenValues()).toEqual({ [`c:${cont.children![0].job.id}`]: 'boom bad' });
    expect(await cont.job.getDependenciesCount({ unprocessed: true, failed: true })).toEqual({ unprocessed: 1, failed: 1 });
    expect(await removed.job.getDependenciesCount()).toEqual({ processed: 0, unprocessed: 0, failed: 0, ignored: 0 });
  });

  it('by default the parent keeps waiting, and retrying the failed child can still complete it', async () => {
    engine = await scope.open('memory');
    const flows = new FlowProducer({ connection: engine });
    const tree = await flows.add({ name: 'parent', queueName: 'p', children: [{ name: 'bad', queueName: 'c' }] });
    const child = tree.children![0].job;
    const worker = failing('c');
    await until(async () => (await child.getState()) === 'failed');
    expect(await tree.job.getState()).toBe('waiting-children');
    expect(await tree.job.getDependencies()).toMatchObject({ unprocessed: [`c:${child.id}`] });
    await worker.close();
    scope.track(new Worker('c', async () => 'second time', { connection: engine }));
    await child.retry('failed');
    await until(async () => (await tree.job.getState()) === 'waiting');
    expect(await tree.job.getChildrenValues()).toEqual({ [`c:${child.id}`]: 'second time' });
  });

  it('a child that stalls past the limit fails its parent too (failParentOnFailure)', async () => {
    const clock = new FakeClock();
    engine = await scope.open('memory', { clock });
    const tree = await new FlowProducer({ connection: engine }).add({
      name: 'p',
      queueName: 'p',
      children: [{ name: 'c', queueName: 'c', opts: { failParentOnFailure: true } }],
    });
    const opts = { connection: engine, lockDuration: 1_000, maxStalledCount: 0, stalledInterval: 500 };
    await scope.track(new Worker('c', null, opts)).getNextJob('crashed'); // claimed, never settled
    scope.track(new Worker('c', async () => 'late', opts)); // its engine sweeps queue c for stalled jobs
    clock.advance(5_000);
    await until(async () => (await tree.job.getState()) === 'failed');
    expect((await new Queue('p', { connection: engine }).getJob(tree.job.id))!.failedReason).toBe(`child c:${tree.children![0].job.id} failed`);
  });

  it('a parent with a delay waits it out after its children', async () => {
    engine = await scope.open('memory');
    const flows = new FlowProducer({ connection: engine });
    const tree = await flows.add({ name: 'p', queueName: 'p', opts: { delay: 60_000 }, children: [{ name: 'ok', queueName: 'c' }] });
    failing('c');
    await until(async () => (await tree.job.getState()) === 'delayed');
  });
});
