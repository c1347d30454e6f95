import { describe, expect, it } from 'vitest';
import { Queue, ValidationError, WaitingChildrenError, Worker, type Job, type QueueEngine } from '../../src_refactored/index.js';
import { until } from '../support/engine-fixture.js';
import { engineScope } from '../support/engine-scope.js';

describe('dependsOn DAGs and runtime children', () => {
  const scope = engineScope();
  let engine: QueueEngine;

  it('runs a 5-job DAG in a valid topological order', async () => {
    engine = await scope.open('wal-file');
    const queue = new Queue('dag', { connection: engine });
    // a → b, a → c, (b, c) → d, (a, d) → e; added in an order that is not topological for the ids.
    const deps: Record<string, string[]> = { a: [], b: ['job-a'], c: ['job-a'], d: ['job-b', 'job-c'], e: ['job-d', 'job-a'] };
    await queue.add('a', {}, { jobId: 'job-a' });
    await queue.addBulk(['b', 'c', 'd', 'e'].map((n) => ({ name: n, data: {}, opts: { jobId: `job-${n}`, dependsOn: deps[n] } })));
    expect(await queue.getJobCounts('waiting-children')).toEqual({ 'waiting-children': 4 });

    const started: string[] = [];
    const finished = new Set<string>();
    scope.track(new Worker('dag', async (job: Job) => {
      started.push(job.name);
      for (const dep of deps[job.name]) expect(finished.has(dep)).toBe(true);
      const upstream = await job.getChildrenValues();
      expect(Object.keys(upstream).sort()).toEqual(deps[job.name].map((d) => `dag:${d}`).sort());
      await new Promise((r) => setImmediate(r));
      finished.add(job.id);
      return job.name;
    }, { connection: engine, concurrency: 4 }));
    await until(async () => (await queue.getJobCounts('completed')).completed === 5);
    expect(started).toHaveLength(5);
    for (const [name, list] of Object.entries(deps)) {
      for (const dep of list) expect(started.indexOf(dep.slice(4))).toBeLessThan(started.indexOf(name));
    }
  });

  it('a failed dependency fails its dependents, transitively', async () => {
    engine = await scope.open('memory');
    const queue = new Queue('dag', { connection: engine });
    await queue.add('a', {}, { jobId: 'a-job' });
    await queue.add('b', {}, { jobId: 'b-job', dependsOn: ['a-job'] });
    await queue.add('c', {}, { jobId: 'c-job', dependsOn: ['b-job'] });
    scope.track(new Worker('dag', async () => {
      throw new Error('a broke');
    }, { connection: engine }));
    await until(async () => (await queue.getJobState('c-job')) === 'failed');
    expect((await queue.getJob('b-job'))!.failedReason).toBe('dependency dag:a-job failed');
    expect((await queue.getJob('c-job'))!.failedReason).toBe('dependency dag:b-job failed');
  });

  it('refuses unknown or failed dependencies and self-dependency, storing nothing', async () => {
    engine = await scope.open('memory');
    const queue = new Queue('dag', { connection: engine });
    await expect(queue.add('x', {}, { dependsOn: ['ghost'] })).rejects.toMatchObject({ field: 'opts.dependsOn[0]' });
    await expect(queue.add('x', {}, { jobId: 'me', dependsOn: ['me'] })).rejects.toBeInstanceOf(ValidationError);
    await expect(queue.add('x', {}, { parent: { id: 'nope', queue: 'dag' } })).rejects.toMatchObject({ field: 'opts.parent' });
    await expect(queue.add('x', {}, { failParentOnFailure: true, removeDependencyOnFailure: true })).rejects.toMatchObject({
      field: 'opts.removeDependencyOnFailure',
    });
    expect(await queue.getJobCountByTypes()).toBe(0);
    await queue.add('done', {}, { jobId: 'done-job' });
    const worker = new Worker('dag', null, { connection: engine });
    const job = await worker.getNextJob('t');
    await job!.moveToCompleted('v' as never, 't');
    const ready = await queue.add('after', {}, { dependsOn: ['done-job'] });
    expect(await ready.getState()).toBe('waiting');
    expect(await ready.getChildrenValues()).toEqual({ 'dag:done-job': 'v' });
    await worker.close();
  });

  it('runtime children: a processor adds children, waits for them, then reads their values', async () => {
    engine = await scope.open('memory');
    const parents = new Queue('parents', { connection: engine });
    const children = new Queue('children', { connection: engine });
    const runs: string[] = [];
    scope.track(new Worker('parents', async (job: Job<{ step?: string }>, token) => {
      if (job.data.step === undefined) {
        runs.push('spawn');
        for (const n of [1, 2]) await children.add('child', n, { parent: { id: job.id, queue: job.queueQualifiedName } });
        await job.updateData({ step: 'collect' });
        if (await job.moveToWaitingChildren(token)) throw new WaitingChildrenError();
      }
      runs.push('collect');
      return Object.values(await job.getChildrenValues()).reduce((a, b) => (a as number) + (b as number), 0);
    }, { connection: engine }));
    const parent = await parents.add('orchestrate', {});
    await until(async () => (await parent.getState()) === 'waiting-children');
    expect((await parents.getJob(parent.id))!.attemptsMade).toBe(0);
    scope.track(new Worker('children', async (job: Job<number>) => job.data * 100, { connection: engine }));
    await until(async () => (await parent.getState()) === 'completed');
    const done = await parents.getJob(parent.id);
    expect(done!.returnvalue).toBe(300);
    expect(runs).toEqual(['spawn', 'collect']);
  });

  it('a running parent whose failParentOnFailure child already failed fails at moveToWaitingChildren, without retry', async () => {
    engine = await scope.open('memory');
    const parents = new Queue('parents', { connection: engine });
    const children = new Queue('children', { connection: engine });
    scope.track(new Worker('children', async () => {
      throw new Error('child broke');
    }, { connection: engine }));
    let runs = 0;
    scope.track(new Worker('parents', async (job: Job, token) => {
      runs += 1;
      const child = await children.add('child', {}, { parent: { id: job.id, queue: 'parents' }, failParentOnFailure: true });
      await until(async () => (await child.getState()) === 'failed');
      await job.moveToWaitingChildren(token);
      return 'unreachable';
    }, { connection: engine }));
    const parent = await parents.add('p', {}, { attempts: 3 });
    await until(async () => (await parent.getState()) === 'failed');
    const failed = await parents.getJob(parent.id);
    expect(failed!.failedReason).toBe(`Cannot complete job ${parent.id} because it has at least one failed child. moveToWaitingChildren`);
    expect(runs).toBe(1);
  });

  it('moveToWaitingChildren returns false when every child already finished', async () => {
    engine = await scope.open('memory');
    const queue = new Queue('q', { connection: engine });
    await queue.add('parent', {});
    const worker = new Worker('q', null, { connection: engine });
    const parent = await worker.getNextJob('tok');
    expect(await parent!.moveToWaitingChildren('tok')).toBe(false);
    await expect(parent!.moveToWaitingChildren('wrong')).rejects.toMatchObject({ code: 'ERR_LOCK_LOST' });
    expect(await parent!.getState()).toBe('active');
    await worker.close();
  });
});
