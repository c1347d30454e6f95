import { afterEach, describe, expect, it } from 'vitest';
import { LockLostError, Queue, QueueEvents, Worker } from '../../src_refactored/index.js';
import { nextEvent, openEngine, freshStore, openSameStore, storeConnection, until } from '../support/engine-fixture.js';

describe('job handle inside a processor', () => {
  let fixture: Awaited<ReturnType<typeof openEngine>>;
  afterEach(async () => fixture.close());

  it('progress (number or object), logs and data checkpoints are stored and announced', async () => {
    fixture = await openEngine('wal-file');
    const queue = new Queue<{ step: number }>('h', { connection: fixture.engine });
    const events = new QueueEvents('h', { connection: fixture.engine });
    const progressEvents: unknown[] = [];
    events.on('progress', ({ data }: { data: unknown }) => progressEvents.push(data));
    const worker = new Worker<{ step: number }>('h', async (job) => {
      await job.updateProgress(25);
      await job.log('starting');
      await job.updateData({ step: job.data.step + 1 });
      await job.updateProgress({ stage: 'executing', pct: 50 });
      await job.log('done');
      return job.data.step;
    }, { connection: fixture.engine });
    const workerProgress: unknown[] = [];
    worker.on('progress', (_job, p) => workerProgress.push(p));
    const job = await queue.add('agent', { step: 1 });
    const [, result] = await nextEvent<[unknown, number]>(worker, 'completed');
    expect(result).toBe(2);
    const stored = (await queue.getJob(job.id))!;
    expect(stored.data).toEqual({ step: 2 });
    expect(stored.progress).toEqual({ stage: 'executing', pct: 50 });
    expect(await queue.getJobLogs(job.id)).toEqual({ logs: ['starting', 'done'], count: 2 });
    await until(() => progressEvents.length >= 2 && workerProgress.length >= 2); // delivered once the events are stored
    expect(progressEvents).toEqual([25, { stage: 'executing', pct: 50 }]);
    expect(workerProgress).toEqual([25, { stage: 'executing', pct: 50 }]);
    await worker.close();
  });

  it('waitUntilFinished resolves with the result or rejects with the failure', async () => {
    fixture = await openEngine('memory');
    const queue = new Queue<number>('w', { connection: fixture.engine });
    const events = new QueueEvents('w', { connection: fixture.engine });
    const worker = new Worker<number>('w', async (job) => {
      if (job.data < 0) throw new Error('negative');
      return job.data * 2;
    }, { connection: fixture.engine });
    const ok = await queue.add('x', 21);
    const bad = await queue.add('x', -1);
    await expect(ok.waitUntilFinished(events)).resolves.toBe(42);
    await expect(bad.waitUntilFinished(events)).rejects.toThrow('negative');
    await worker.close();
  });
});

describe('manual processing with getNextJob', () => {
  let fixture: Awaited<ReturnType<typeof openEngine>>;
  afterEach(async () => fixture.close());

  it('claims under the caller token, completes and fails manually, fences wrong tokens', async () => {
    fixture = await openEngine('memory');
    const queue = new Queue('m', { connection: fixture.engine });
    const worker = new Worker('m', null, { connection: fixture.engine });
    await queue.addBulk([{ name: 'a', data: 1 }, { name: 'b', data: 2 }]);
    const first = (await worker.getNextJob('token-1'))!;
    expect(first.name).toBe('a');
    expect(await first.getState()).toBe('active');
    await expect(first.moveToCompleted('r', 'token-x')).rejects.toThrow(LockLostError);
    await first.moveToCompleted('r', 'token-1');
    expect((await queue.getJob(first.id))!.returnvalue).toBe('r');
    const second = (await worker.getNextJob('token-2'))!;
    await second.moveToFailed(new Error('manual failure'), 'token-2');
    expect((await queue.getJob(second.id))!.failedReason).toBe('manual failure');
    expect(await worker.getNextJob('token-3')).toBeUndefined();
    await worker.close();
  });

  it('getNextJob with block waits for a job added later', async () => {
    fixture = await openEngine('memory');
    const queue = new Queue('mb', { connection: fixture.engine });
    const worker = new Worker('mb', null, { connection: fixture.engine, drainDelay: 5 });
    const waiting = worker.getNextJob('t', { block: true });
    await queue.add('late', {});
    expect((await waiting)?.name).toBe('late');
    await worker.close();
  });
});

describe('engines and connections', () => {
  it('two engines on two files in one process do not interfere', async () => {
    const storeA = await freshStore('a.db');
    const storeB = await freshStore('b.db');
    const a = await openSameStore(storeA.path);
    const b = await openSameStore(storeB.path);
    const qa = new Queue('same-name', { connection: a });
    const qb = new Queue('same-name', { connection: b });
    await qa.add('only-in-a', {});
    const seenB: string[] = [];
    const wb = new Worker('same-name', async (job) => void seenB.push(job.name), { connection: b });
    const settled = nextEvent(wb, 'completed'); // listen before the call: the worker may finish before it returns
    await qb.add('only-in-b', {});
    await settled;
    expect(seenB).toEqual(['only-in-b']);
    expect(await qa.getJobCounts('waiting', 'completed')).toEqual({ waiting: 1, completed: 0 });
    await a.close();
    await b.close();
    await Promise.all([storeA.cleanup(), storeB.cleanup()]);
  });

  it('{ path } connections share one engine per file and close it with the last user', async () => {
    const temp = await freshStore('shared.db');
    const path = temp.path;
    const queue = new Queue('s', { connection: storeConnection(path) });
    const worker = new Worker('s', async (job) => job.data, { connection: storeConnection(path) });
    expect(queue.engineOf()).toBe((worker as unknown as { lease: { engine: unknown } }).lease.engine);
    await queue.add('x', 7);
    const [, result] = await nextEvent<[unknown, number]>(worker, 'completed');
    expect(result).toBe(7);
    const engine = queue.engineOf();
    await worker.close();
    expect(engine.closed).toBe(false);
    await queue.close();
    expect(engine.closed).toBe(true);
    await temp.cleanup();
  });

  it('engine.close() closes its workers gracefully', async () => {
    const { engine, close, path } = await openEngine('wal-file');
    const queue = new Queue('g', { connection: engine });
    let release!: () => void;
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    const worker = new Worker('g', () => new Promise<string>((r) => {
      release = () => r('finished');
      started();
    }), { connection: engine });
    const job = await queue.add('x', {});
    await running;
    const closing = engine.close();
    release();
    await closing;
    expect(worker.isRunning()).toBe(false);
    const reopened = await openSameStore(path);
    expect(await new Queue('g', { connection: reopened }).getJobState(job.id)).toBe('completed');
    await reopened.close();
    await close();
  });
});
