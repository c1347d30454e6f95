import { afterEach, describe, expect, it } from 'vitest';
import { LockLostError, Queue, Worker, type QueueEngine } from '../../src_refactored/index.js';
import { FakeClock } from '../support/fake-clock.js';
import { afterActive, freshStore, nextEvent, openEngine, openSameStore, until } from '../support/engine-fixture.js';

/** A processor that runs until the test releases it. */
function gate<T = string>() {
  let release!: (value: T) => void;
  const promise = new Promise<T>((resolve) => (release = resolve));
  return { promise, release };
}

describe('locks', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('a worker that lost its lock cannot overwrite the job, and its signal aborts', async () => {
    const temp = await freshStore('jobs.db');
    const path = temp.path;
    const clockA = new FakeClock();
    const clockB = new FakeClock();
    const engineA = await openSameStore(path, { clock: clockA, idleCheckInterval: 10 });
    const engineB = await openSameStore(path, { clock: clockB, idleCheckInterval: 10 });
    cleanups.push(temp.cleanup, () => engineA.close(), () => engineB.close());

    const queue = new Queue('locked', { connection: engineA });
    const slow = gate();
    let signalA: AbortSignal | undefined;
    const workerA = new Worker('locked', async (_job, _token, signal) => {
      signalA = signal;
      return slow.promise;
    }, { connection: engineA, lockDuration: 1000, lockRenewTime: 500 });
    const errors: Error[] = [];
    workerA.on('error', (e) => errors.push(e));
    const job = await afterActive(workerA, () => queue.add('j', {}));

    // Engine B's clock runs ahead: A's lock has expired there, so B's stalled sweep takes the job.
    const workerB = new Worker('locked', async () => 'from-B', { connection: engineB, lockDuration: 1000, stalledInterval: 100 });
    clockB.advance(5000);
    const [completedB] = await nextEvent<[{ id: string }]>(workerB, 'completed');
    expect(completedB.id).toBe(job.id);

    // A renews at its next period, finds the lock gone and aborts its processor's signal.
    clockA.advance(600);
    await until(() => signalA?.aborted === true);
    expect(signalA!.reason).toBeInstanceOf(LockLostError);

    // A's late result is refused: the stored job keeps B's outcome.
    slow.release('from-A');
    await until(() => errors.length > 0);
    expect(errors[0]).toBeInstanceOf(LockLostError);
    const stored = (await queue.getJob(job.id))!;
    expect(stored.returnvalue).toBe('from-B');
    expect(await stored.getState()).toBe('completed');
    await workerA.close();
    await workerB.close();
  });
});

describe('close', () => {
  let fixture: Awaited<ReturnType<typeof openEngine>>;
  afterEach(async () => fixture.close());

  async function startSlowJob(engine: QueueEngine) {
    const queue = new Queue('closing', { connection: engine });
    const slow = gate();
    let signal: AbortSignal | undefined;
    const worker = new Worker('closing', async (_job, _token, s) => {
      signal = s;
      return slow.promise;
    }, { connection: engine });
    const job = await afterActive(worker, () => queue.add('j', {}));
    return { queue, worker, job, slow, signal: () => signal! };
  }

  it('close() waits for the active job to finish and records its result', async () => {
    fixture = await openEngine('wal-file');
    const { queue, worker, job, slow } = await startSlowJob(fixture.engine);
    let closed = false;
    const closing = worker.close().then(() => (closed = true));
    await new Promise((r) => setTimeout(r, 20));
    expect(closed).toBe(false);
    slow.release('done');
    await closing;
    expect(worker.isRunning()).toBe(false);
    const stored = (await queue.getJob(job.id))!;
    expect(await stored.getState()).toBe('completed');
    expect(stored.returnvalue).toBe('done');
  });

  it('close(true) returns without waiting, aborts the signal and hands the job back', async () => {
    fixture = await openEngine('wal-file');
    const { queue, worker, job, slow, signal } = await startSlowJob(fixture.engine);
    await worker.close(true);
    expect(signal().aborted).toBe(true);
    expect(await queue.getJobState(job.id)).toBe('waiting');
    slow.release('late');
    await new Promise((r) => setImmediate(r));
    expect(await queue.getJobState(job.id)).toBe('waiting');
  });
});
