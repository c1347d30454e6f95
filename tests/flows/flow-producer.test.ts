import { describe, expect, it } from 'vitest';
import { FlowProducer, Queue, QueueEvents, ValidationError, Worker, type Job, type QueueEngine } from '../../src_refactored/index.js';
import { nextEvent, until, openSameStore, storeQuery } from '../support/engine-fixture.js';
import { engineScope } from '../support/engine-scope.js';

describe('FlowProducer', () => {
  const scope = engineScope();
  let engine: QueueEngine;

  it('runs a parent after its 3 children (two queues) and gives it their return values', async () => {
    engine = await scope.open('wal-file');
    const flows = new FlowProducer({ connection: engine });
    const tree = await flows.add({
      name: 'report',
      queueName: 'parents',
      data: { title: 'q3' },
      children: [
        { name: 'sum', queueName: 'steps', data: { n: 1 } },
        { name: 'sum', queueName: 'steps', data: { n: 2 } },
        { name: 'render', queueName: 'render', data: { n: 3 } },
      ],
    });
    expect(await tree.job.getState()).toBe('waiting-children');
    expect(tree.children).toHaveLength(3);
    expect(await tree.job.getDependenciesCount()).toEqual({ processed: 0, unprocessed: 3, failed: 0, ignored: 0 });

    const parentQueue = new Queue('parents', { connection: engine });
    let seen: Record<string, unknown> | undefined;
    const parentWorker = scope.track(new Worker('parents', async (job: Job) => {
      seen = await job.getChildrenValues();
      return Object.values(seen as Record<string, number>).reduce((a, b) => a + b, 0);
    }, { connection: engine }));
    const completed = nextEvent<[Job, number]>(parentWorker, 'completed');
    const double = async (job: Job<{ n: number }>) => job.data.n * 10;
    scope.track(new Worker('steps', double, { connection: engine }));
    scope.track(new Worker('render', double, { connection: engine }));

    const [job, result] = await completed;
    expect(job.id).toBe(tree.job.id);
    expect(result).toBe(60);
    const [a, b, c] = tree.children!.map((n) => `${n.job.queueName}:${n.job.id}`);
    expect(seen).toEqual({ [a]: 10, [b]: 20, [c]: 30 });
    expect(await parentQueue.getJobState(tree.job.id)).toBe('completed');
  });

  it('resolves a parent whose children run on another engine on the same file', async () => {
    engine = await scope.open('wal-file');
    const other = await openSameStore(scope.path(), { idleCheckInterval: 10 });
    try {
      const tree = await new FlowProducer({ connection: engine }).add({
        name: 'p',
        queueName: 'p',
        children: [{ name: 'c', queueName: 'c', data: 2 }, { name: 'c', queueName: 'c', data: 3 }],
      });
      const remote = new Worker('c', async (job: Job<number>) => job.data ** 2, { connection: other });
      const parentDone = nextEvent<[Job, unknown]>(scope.track(new Worker('p', async (job: Job) => job.getChildrenValues(), { connection: engine })), 'completed');
      const [, values] = await parentDone;
      expect(Object.values(values as Record<string, number>).sort()).toEqual([4, 9]);
      expect(tree.children).toHaveLength(2);
      await remote.close();
    } finally {
      await other.close();
    }
  });

  it('keeps children values after the children are removed by retention', async () => {
    engine = await scope.open('memory');
    const flows = new FlowProducer({ connection: engine });
    const tree = await flows.add({
      name: 'p',
      queueName: 'p',
      children: [{ name: 'c', queueName: 'c', data: 7, opts: { removeOnComplete: true } }],
    });
    scope.track(new Worker('c', async (job: Job<number>) => job.data * 2, { connection: engine }));
    const child = new Queue('c', { connection: engine });
    await until(async () => (await tree.job.getState()) === 'waiting');
    expect(await child.getJobState(tree.children![0].job.id)).toBe('unknown');
    expect(await tree.job.getChildrenValues()).toEqual({ [`c:${tree.children![0].job.id}`]: 14 });
  });

  it('inserts nothing when one job of the tree is invalid, and names the field', async () => {
    engine = await scope.open('memory');
    const flows = new FlowProducer({ connection: engine });
    const bad = flows.add({
      name: 'p',
      queueName: 'p',
      children: [
        { name: 'ok', queueName: 'c' },
        { name: 'bad', queueName: 'c', opts: { failParentOnFailure: true, ignoreDependencyOnFailure: true } },
      ],
    });
    await expect(bad).rejects.toBeInstanceOf(ValidationError);
    await expect(bad).rejects.toMatchObject({ field: 'flow.children[1].opts.ignoreDependencyOnFailure' });
    await expect(flows.add({ name: 'r', queueName: 'p', opts: { repeat: { every: 1000 } } })).rejects.toMatchObject({ field: 'flow.opts.repeat' });
    const parentCounts = await new Queue('p', { connection: engine }).getJobCountByTypes();
    const childCounts = await new Queue('c', { connection: engine }).getJobCountByTypes();
    expect(parentCounts + childCounts).toBe(0);
  });

  it('rolls back a whole addBulk when a later tree fails in the store', async () => {
    engine = await scope.open('memory');
    const flows = new FlowProducer({ connection: engine });
    const bulk = flows.addBulk([
      { name: 'a', queueName: 'q', children: [{ name: 'a1', queueName: 'q' }] },
      { name: 'b', queueName: 'q', opts: { dependsOn: ['nope'] } },
    ]);
    await expect(bulk).rejects.toMatchObject({ field: 'opts.dependsOn[0]' });
    expect(await new Queue('q', { connection: engine }).getJobCountByTypes()).toBe(0);
  });

  it('getFlow returns the stored tree, bounded by depth and maxChildren', async () => {
    engine = await scope.open('memory');
    const flows = new FlowProducer({ connection: engine });
    const events = new QueueEvents('mid', { connection: engine });
    const seen: string[] = [];
    for (const name of ['waiting', 'waiting-children']) events.on(name, ({ jobId }: { jobId: string }) => seen.push(`${name}:${jobId}`));
    const tree = await flows.add({
      name: 'root',
      queueName: 'top',
      children: [
        { name: 'c1', queueName: 'mid', children: [{ name: 'g1', queueName: 'leaf' }] },
        { name: 'c2', queueName: 'mid' },
        { name: 'c3', queueName: 'mid' },
      ],
    });
    const [c1, c2, c3] = tree.children!.map((n) => n.job.id);
    // QueueEvents reads the durable stream: events arrive after the add's turn, not inside it.
    await until(() => seen.length >= 3);
    expect(seen).toEqual([`waiting-children:${c1}`, `waiting:${c2}`, `waiting:${c3}`]);
    await events.close();
    const full = await flows.getFlow({ id: tree.job.id, queueName: 'top' });
    expect(full!.children!.map((n) => n.job.name)).toEqual(['c1', 'c2', 'c3']);
    expect(full!.children![0].children!.map((n) => n.job.name)).toEqual(['g1']);
    expect(full!.children![0].job.parent).toEqual({ id: tree.job.id, queue: 'top' });
    const limited = await flows.getFlow({ id: tree.job.id, queueName: 'top', depth: 1, maxChildren: 2 });
    expect(limited!.children!.map((n) => n.job.name)).toEqual(['c1', 'c2']);
    expect(limited!.children![0].children).toBeUndefined();
    expect(await flows.getFlow({ id: 'missing', queueName: 'top' })).toBeUndefined();
  });

  it('removing a parent removes its subtree, unless a job in it is active', async () => {
    engine = await scope.open('memory');
    const flows = new FlowProducer({ connection: engine });
    const tree = await flows.add({
      name: 'root',
      queueName: 'top',
      children: [{ name: 'c1', queueName: 'mid', children: [{ name: 'g1', queueName: 'leaf' }] }],
    });
    const top = new Queue('top', { connection: engine });
    const leaf = new Queue('leaf', { connection: engine });
    const mid = new Queue('mid', { connection: engine });
    const worker = new Worker('leaf', null, { connection: engine });
    const claimed = await worker.getNextJob('tok');
    expect(claimed?.name).toBe('g1');
    await expect(top.remove(tree.job.id)).rejects.toMatchObject({ code: 'ERR_JOB_LOCKED' });
    expect(await mid.getJobState(tree.children![0].job.id)).toBe('waiting-children');

    await claimed!.moveToFailed(new Error('x'), 'tok');
    expect(await top.remove(tree.job.id)).toBe(1);
    for (const [q, id] of [[top, tree.job.id], [mid, tree.children![0].job.id], [leaf, claimed!.id]] as const) {
      expect(await q.getJobState(id)).toBe('unknown');
    }
    await worker.close();
  });

  it('removing the last pending child lets its parent run', async () => {
    engine = await scope.open('memory');
    const flows = new FlowProducer({ connection: engine });
    const tree = await flows.add({ name: 'p', queueName: 'p', children: [{ name: 'c', queueName: 'c' }] });
    await tree.children![0].job.remove();
    expect(await tree.job.getState()).toBe('waiting');
    expect(await tree.job.getDependenciesCount()).toEqual({ processed: 0, unprocessed: 0, failed: 0, ignored: 0 });
  });

  it('a parent deleted by retention leaves no dependency rows in the file', async () => {
    engine = await scope.open('wal-file');
    const path = scope.path();
    const flows = new FlowProducer({ connection: engine });
    await flows.add({
      name: 'p',
      queueName: 'p',
      opts: { removeOnComplete: true },
      children: [{ name: 'c', queueName: 'c', opts: { removeOnComplete: true } }, { name: 'c', queueName: 'c' }],
    });
    const edges = async () => Number((await storeQuery<{ n: number }>(path, 'SELECT count(*) AS n FROM job_dependencies'))[0].n);
    expect(await edges()).toBe(2);
    scope.track(new Worker('c', async () => 1, { connection: engine }));
    scope.track(new Worker('p', async () => 2, { connection: engine }));
    await until(async () => (await new Queue('p', { connection: engine }).getJobCountByTypes()) === 0);
    expect(await edges()).toBe(0);
  });

  it('applies queuesOptions defaults per queue', async () => {
    engine = await scope.open('memory');
    const flows = new FlowProducer({ connection: engine });
    const tree = await flows.add(
      { name: 'p', queueName: 'p', children: [{ name: 'c', queueName: 'c' }] },
      { queuesOptions: { c: { defaultJobOptions: { attempts: 3 } } } },
    );
    expect(tree.children![0].job.opts.attempts).toBe(3);
    expect(tree.job.opts.attempts).toBeUndefined();
  });
});
