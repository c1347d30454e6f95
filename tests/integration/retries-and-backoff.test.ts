import { afterEach, describe, expect, it } from 'vitest';
import { Queue, QueueEvents, UnrecoverableError, Worker } from '../../src_refactored/index.js';
import { FakeClock } from '../support/fake-clock.js';
import { nextEvent, openEngine, until, type StoreKind } from '../support/engine-fixture.js';

describe.each<StoreKind>(['memory', 'wal-file'])('retries on %s', (kind) => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => close?.());

  /**
   * Runs a job that always fails and records, for each retry, how far in the future it was scheduled.
   * The fake clock only moves when the test moves it, so the recorded delays are exact.
   */
  async function observedBackoff(opts: object, failures: number): Promise<{ delays: number[]; state: string; attemptsMade: number }> {
    const clock = new FakeClock();
    const fixture = await openEngine(kind, { clock });
    close = fixture.close;
    const queue = new Queue('retry', { connection: fixture.engine });
    const events = new QueueEvents('retry', { connection: fixture.engine });
    const delays: number[] = [];
    events.on('delayed', ({ delay }: { delay: number }) => delays.push(delay - clock.now()));
    const worker = new Worker('retry', async () => {
      throw new Error('always');
    }, { connection: fixture.engine });
    // Listens before each step that can fail the job: the worker may fail it before the step's caller resumes.
    let failed = nextEvent(worker, 'failed');
    const job = await queue.add('j', {}, opts);
    for (let i = 0; i < failures; i++) {
      await failed;
      // Wait for the 'delayed' event, then jump to the due time; the scheduler sees it within one idle check.
      if (i < failures - 1) {
        await until(() => delays.length > i);
        failed = nextEvent(worker, 'failed');
        clock.advance(delays[i]);
      }
    }
    await worker.close();
    const stored = (await queue.getJob(job.id))!;
    return { delays, state: await stored.getState(), attemptsMade: stored.attemptsMade };
  }

  it('waits a fixed backoff between attempts', async () => {
    const result = await observedBackoff({ attempts: 3, backoff: { type: 'fixed', delay: 1000 } }, 3);
    expect(result).toEqual({ delays: [1000, 1000], state: 'failed', attemptsMade: 3 });
  });

  it('doubles an exponential backoff each attempt', async () => {
    const result = await observedBackoff({ attempts: 4, backoff: { type: 'exponential', delay: 500 } }, 4);
    expect(result).toEqual({ delays: [500, 1000, 2000], state: 'failed', attemptsMade: 4 });
  });

  it('does not run a retry before its backoff has passed', async () => {
    const clock = new FakeClock();
    const fixture = await openEngine(kind, { clock });
    close = fixture.close;
    const queue = new Queue('early', { connection: fixture.engine });
    let runs = 0;
    const worker = new Worker('early', async () => {
      runs += 1;
      throw new Error('fail');
    }, { connection: fixture.engine });
    // Each wait listens before the step that can cause it: the worker may fail the job before the step's caller resumes.
    const firstFailure = nextEvent(worker, 'failed');
    const job = await queue.add('j', {}, { attempts: 2, backoff: 5000 });
    await firstFailure;
    clock.advance(4999);
    await fixture.engine.scheduler.tick();
    expect(await queue.getJobState(job.id)).toBe('delayed');
    clock.advance(1);
    const secondFailure = nextEvent(worker, 'failed');
    await fixture.engine.scheduler.tick();
    await secondFailure;
    expect(runs).toBe(2);
    expect(await queue.getJobState(job.id)).toBe('failed');
    await worker.close();
  });

  it('stops retrying on UnrecoverableError', async () => {
    const fixture = await openEngine(kind);
    close = fixture.close;
    const queue = new Queue('unrecoverable', { connection: fixture.engine });
    let runs = 0;
    const worker = new Worker('unrecoverable', async () => {
      runs += 1;
      throw new UnrecoverableError('bad input');
    }, { connection: fixture.engine });
    const job = await queue.add('j', {}, { attempts: 5 });
    const [failedJob, error] = await nextEvent<[{ id: string }, Error]>(worker, 'failed');
    expect(failedJob.id).toBe(job.id);
    expect(error.message).toBe('bad input');
    await worker.close();
    const stored = (await queue.getJob(job.id))!;
    expect(runs).toBe(1);
    expect(await stored.getState()).toBe('failed');
    expect(stored.failedReason).toBe('bad input');
    expect(stored.attemptsMade).toBe(1);
  });

  it('retries at once without backoff and keeps the stack traces', async () => {
    const fixture = await openEngine(kind);
    close = fixture.close;
    const queue = new Queue('no-backoff', { connection: fixture.engine });
    let runs = 0;
    const worker = new Worker('no-backoff', async () => {
      runs += 1;
      if (runs < 3) throw new Error(`fail ${runs}`);
      return 'ok';
    }, { connection: fixture.engine });
    const job = await queue.add('j', {}, { attempts: 3 });
    const [, result] = await nextEvent<[unknown, string]>(worker, 'completed');
    expect(result).toBe('ok');
    await worker.close();
    const stored = (await queue.getJob(job.id))!;
    expect(stored.returnvalue).toBe('ok');
    expect(stored.attemptsMade).toBe(3);
    expect(stored.stacktrace).toHaveLength(2);
    expect(stored.stacktrace[1]).toContain('fail 2');
  });
});
