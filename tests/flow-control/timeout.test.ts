import { describe, expect, it } from 'vitest';
import { cleanupAfterEach, fakeClockQueue } from '../support/cleanup-after-each.js';
import { TimeoutError, ValidationError, Worker } from '../../src_refactored/index.js';
import { afterActive, nextEvent, until } from '../support/engine-fixture.js';

const defer = cleanupAfterEach();

const setup = () => fakeClockQueue(defer);

describe('job timeouts', () => {
  it('timeout aborts the signal with a TimeoutError and retries while attempts remain', async () => {
    const { clock, engine, queue } = await setup();
    const reasons: unknown[] = [];
    let attempt = 0;
    const worker = new Worker(
      'q',
      (_job, _token, signal) => {
        attempt += 1;
        if (attempt > 1) return 'second try';
        return new Promise((_resolve, reject) =>
          signal.addEventListener('abort', () => {
            reasons.push(signal.reason);
            reject(signal.reason);
          }),
        );
      },
      { connection: engine },
    );
    const job = await afterActive(worker, () => queue.add('slow', 1, { timeout: 5_000, attempts: 2 }));
    const failed = nextEvent<[unknown, Error]>(worker, 'failed');
    clock.advance(4_999);
    await new Promise((r) => setTimeout(r, 40));
    expect(reasons).toEqual([]);
    clock.advance(1);
    const [, error] = await failed;
    expect(error).toBeInstanceOf(TimeoutError);
    expect(reasons[0]).toBeInstanceOf(TimeoutError);
    await until(async () => (await queue.getJobState(job.id)) === 'completed');
    expect(await queue.getJob(job.id)).toMatchObject({ returnvalue: 'second try', attemptsMade: 2 });
    await worker.close();
  });

  it('a processor that ignores the signal cannot complete the job afterwards', async () => {
    const { clock, engine, queue } = await setup();
    let finishLate: (value: string) => void = () => undefined;
    const worker = new Worker('q', () => new Promise<string>((resolve) => (finishLate = resolve)), { connection: engine });
    let completed = 0;
    worker.on('completed', () => completed++);
    const job = await afterActive(worker, () => queue.add('stubborn', 1, { timeout: 1_000 }));
    const failed = nextEvent(worker, 'failed');
    clock.advance(1_000);
    await failed;
    finishLate('late result');
    await until(async () => (await queue.getJobState(job.id)) === 'failed');
    await new Promise((r) => setTimeout(r, 20));
    expect(await queue.getJob(job.id)).toMatchObject({ returnvalue: null, failedReason: 'Job 1 timed out after 1000 ms' });
    expect(completed).toBe(0);
    await worker.close();
  });

  it('each attempt gets its own deadline; one timer serves many jobs with different timeouts', async () => {
    const { clock, engine, queue } = await setup();
    const timedOut: string[] = [];
    let running = 0;
    const worker = new Worker(
      'q',
      (job, _token, signal) => {
        running++;
        return new Promise((_resolve, reject) =>
          signal.addEventListener('abort', () => {
            timedOut.push(job.name);
            reject(signal.reason);
          }),
        );
      },
      { connection: engine, concurrency: 3 },
    );
    await queue.add('short', 1, { timeout: 1_000 });
    await queue.add('long', 2, { timeout: 3_000 });
    await queue.add('mid', 3, { timeout: 2_000 });
    // Running here, not only active in the store: on a PostgreSQL server a claim is committed a round trip
    // before the worker starts the job and sets its deadline, and the clock must not move in between.
    await until(() => running === 3);
    for (let i = 0; i < 3; i++) {
      clock.advance(1_000);
      await until(() => timedOut.length === i + 1);
    }
    expect(timedOut).toEqual(['short', 'mid', 'long']);
    await worker.close();
  });

  it('rejects a non-positive timeout at add', async () => {
    const { queue } = await setup();
    await expect(queue.add('n', 1, { timeout: 0 })).rejects.toThrow(ValidationError);
  });
});
