import { describe, expect, it } from 'vitest';
import { cleanupAfterEach } from '../support/cleanup-after-each.js';
import { CancelledError, FlowProducer, JobNotFoundError, Queue, QueueEvents, Worker } from '../../src_refactored/index.js';
import { FakeClock } from '../support/fake-clock.js';
import { afterActive, nextEvent, openEngine, openSameStore, storeQuery, until } from '../support/engine-fixture.js';

const defer = cleanupAfterEach();

/** A processor that runs until its signal aborts, then rejects with the signal's reason (the polite kind). */
const waitForAbort = (_job: unknown, _token: string, signal: AbortSignal) =>
  new Promise((_resolve, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));

describe('cancellation', () => {
  it('a cancel from a second engine on the same WAL file aborts an active job in the first; it fails with CancelledError and is not retried', async () => {
    const first = await openEngine('wal-file');
    const second = await openSameStore(first.path, { idleCheckInterval: 10 });
    defer(first.close);
    defer(() => second.close());
    const queueA = new Queue('agents', { connection: first.engine });
    const queueB = new Queue('agents', { connection: second });
    const events = new QueueEvents('agents', { connection: first.engine });
    defer(() => events.close());
    const aborted: unknown[] = [];
    const worker = new Worker(
      'agents',
      (job, token, signal) => {
        signal.addEventListener('abort', () => aborted.push(signal.reason));
        return waitForAbort(job, token, signal);
      },
      { connection: first.engine },
    );
    const job = await afterActive(worker, () => queueA.add('run', {}, { attempts: 5 }));
    const failed = nextEvent<[unknown, Error]>(worker, 'failed');
    const cancelled = nextEvent<[{ jobId: string; reason: string }]>(events, 'cancelled');
    expect(await queueB.cancelJob(job.id, 'user pressed stop')).toBe(true);
    const [, error] = await failed;
    expect(error).toBeInstanceOf(CancelledError);
    expect(aborted[0]).toBeInstanceOf(CancelledError);
    expect((await cancelled)[0]).toMatchObject({ jobId: job.id, reason: 'user pressed stop' });
    const stored = await queueB.getJob(job.id);
    expect(stored).toMatchObject({ failedReason: 'user pressed stop', attemptsMade: 1 });
    expect(await stored!.getState()).toBe('failed');
    await worker.close();
  });

  it('the renewal bound: without any wake-up, the worker sees the request at its next lock renewal', async () => {
    const clock = new FakeClock();
    // The change feed polls once a minute here, so only the lock renewal can deliver the request.
    const { engine, close, path } = await openEngine('wal-file', { clock, changePollInterval: 60_000 });
    defer(close);
    const queue = new Queue('q', { connection: engine });
    const worker = new Worker('q', waitForAbort, { connection: engine, lockDuration: 10_000, lockRenewTime: 5_000 });
    const job = await afterActive(worker, () => queue.add('n', 1));
    // Write the request as another process would, but with no change-feed or in-process wake-up.
    await storeQuery(path, `UPDATE jobs SET cancel_reason = 'stop' WHERE job_id = ?`, [job.id]);
    const failed = nextEvent<[unknown, Error]>(worker, 'failed');
    clock.advance(4_000);
    await new Promise((r) => setTimeout(r, 40));
    expect(await queue.getJobState(job.id)).toBe('active');
    clock.advance(1_000);
    const [, error] = await failed;
    expect(error.message).toBe('stop');
    await worker.close();
  });

  it('waiting and delayed jobs fail at once with the reason, emit cancelled, and are never processed', async () => {
    const { engine, close } = await openEngine('memory');
    defer(close);
    const queue = new Queue('q', { connection: engine });
    const events = new QueueEvents('q', { connection: engine });
    defer(() => events.close());
    const waiting = await queue.add('n', 1, { attempts: 3 });
    const delayed = await queue.add('n', 2, { delay: 60_000 });
    const cancelled = nextEvent<[{ jobId: string }]>(events, 'cancelled');
    expect(await queue.cancelJob(waiting.id)).toBe(true);
    expect((await cancelled)[0].jobId).toBe(waiting.id);
    expect(await queue.cancelJob(delayed.id, 'not needed')).toBe(true);
    expect(await queue.getJobState(waiting.id)).toBe('failed');
    expect((await queue.getJob(waiting.id))?.failedReason).toBe('Job cancelled');
    expect((await queue.getJob(delayed.id))?.failedReason).toBe('not needed');
    expect(await queue.cancelJob(waiting.id)).toBe(false); // already finished
    await expect(queue.cancelJob('nope')).rejects.toThrow(JobNotFoundError);
    let processed = 0;
    const worker = new Worker('q', async () => void processed++, { connection: engine });
    const last = await queue.add('n', 3);
    await until(async () => (await queue.getJobState(last.id)) === 'completed');
    expect(processed).toBe(1);
    await worker.close();
  });

  it('worker.cancelJob ends a local job the same way even when the processor ignores its signal', async () => {
    const { engine, close } = await openEngine('memory');
    defer(close);
    const queue = new Queue('q', { connection: engine });
    let finishLate: (value: string) => void = () => undefined;
    const worker = new Worker('q', () => new Promise<string>((resolve) => (finishLate = resolve)), { connection: engine });
    const job = await afterActive(worker, () => queue.add('n', 1, { attempts: 3 }));
    const failed = nextEvent<[unknown, Error]>(worker, 'failed');
    expect(worker.cancelJob(job.id, 'enough')).toBe(true);
    const [, error] = await failed;
    expect(error).toBeInstanceOf(CancelledError);
    finishLate('too late');
    await until(async () => (await queue.getJobState(job.id)) === 'failed');
    const stored = await queue.getJob(job.id);
    expect(stored).toMatchObject({ failedReason: 'enough', returnvalue: null, attemptsMade: 1 });
    await worker.close();
  });

  it("worker.cancelJob from an 'active' listener: the processor never runs and the job fails with the reason", async () => {
    const { engine, close } = await openEngine('memory');
    defer(close);
    const queue = new Queue('q', { connection: engine });
    let ran = false;
    const worker = new Worker('q', async () => void (ran = true), { connection: engine });
    worker.on('active', (job) => worker.cancelJob(job.id, 'changed my mind'));
    const failed = nextEvent<[unknown, Error]>(worker, 'failed');
    const job = await queue.add('n', 1, { attempts: 3 });
    const [, error] = await failed;
    expect(error).toBeInstanceOf(CancelledError);
    expect(ran).toBe(false);
    expect(await queue.getJob(job.id)).toMatchObject({ failedReason: 'changed my mind', attemptsMade: 1 });
    expect(await queue.getJobState(job.id)).toBe('failed');
    await worker.close();
  });
});

describe('cancellation and crashes', () => {
  it('a job cancelled while its worker was dead is cancelled as soon as it is claimed again; an explicit retry clears it', async () => {
    const clock = new FakeClock();
    const { engine, close } = await openEngine('wal-file', { clock });
    defer(close);
    const queue = new Queue('q', { connection: engine });
    const job = await queue.add('n', 1, { attempts: 3 });
    // A worker that claims the job and then "dies" (manual claim, never renewed or settled).
    const dead = new Worker('q', null, { connection: engine, lockDuration: 1_000 });
    expect((await dead.getNextJob('dead-token'))?.id).toBe(job.id);
    expect(await queue.cancelJob(job.id, 'stop it')).toBe(true);

    let runs = 0;
    const worker = new Worker('q', async () => void runs++, { connection: engine, stalledInterval: 500 });
    const failed = nextEvent<[unknown, Error]>(worker, 'failed');
    clock.advance(2_000); // the dead worker's lock expires; the sweep puts the job back to waiting
    const [, error] = await failed;
    expect(error).toBeInstanceOf(CancelledError);
    expect(error.message).toBe('stop it');
    expect(runs).toBe(0);

    await (await queue.getJob(job.id))!.retry();
    await until(async () => (await queue.getJobState(job.id)) === 'completed');
    expect(runs).toBe(1);
    await worker.close();
    await dead.close();
  });
});

describe('cancellation in flows', () => {
  it('a cancelled child fails its failParentOnFailure parent, and a cancelled job is dead-lettered like any final failure', async () => {
    const { engine, close } = await openEngine('memory');
    defer(close);
    const flows = new FlowProducer({ connection: engine });
    const tree = await flows.add({
      name: 'report',
      queueName: 'parents',
      children: [{ name: 'part', queueName: 'parts', data: 1, opts: { failParentOnFailure: true, deadLetter: { queue: 'dead' } } }],
    });
    const child = tree.children![0].job;
    const parents = new Queue('parents', { connection: engine });
    expect(await parents.getJobState(tree.job.id)).toBe('waiting-children');
    await new Queue('parts', { connection: engine }).cancelJob(child.id, 'not needed');
    expect(await parents.getJobState(tree.job.id)).toBe('failed');
    const letters = await new Queue('dead', { connection: engine }).getJobs(['waiting']);
    expect(letters).toHaveLength(1);
    expect(letters[0].data).toMatchObject({ failedReason: 'not needed', source: { queue: 'parts', id: child.id } });
  });
});
