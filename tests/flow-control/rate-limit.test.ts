import { describe, expect, it } from 'vitest';
import { cleanupAfterEach, fakeClockQueue } from '../support/cleanup-after-each.js';
import { Queue, RateLimitError, ValidationError, Worker, type QueueEngine } from '../../src_refactored/index.js';
import { FakeClock } from '../support/fake-clock.js';
import { openEngine, until, openSameStore } from '../support/engine-fixture.js';

const defer = cleanupAfterEach();

/** Moves the fake clock in small steps until `done`, giving the workers one idle check per step. */
async function driveClock(clock: FakeClock, stepMs: number, done: () => boolean, maxSteps = 400): Promise<void> {
  for (let i = 0; i < maxSteps && !done(); i++) {
    clock.advance(stepMs);
    await new Promise((r) => setTimeout(r, 12));
  }
  expect(done()).toBe(true);
}

describe('rate limiting', () => {
  it('limiter {max: 1, duration: 1000} with two workers in two engines on one file never starts two jobs within 1000 ms', async () => {
    const clock = new FakeClock();
    const first = await openEngine('wal-file', { clock });
    const second = await openSameStore(first.path, { clock, idleCheckInterval: 10 });
    defer(first.close);
    defer(() => second.close());
    const queue = new Queue('api', { connection: first.engine });
    await queue.addBulk(Array.from({ length: 5 }, (_, i) => ({ name: 'call', data: i })));
    const started: { at: number; by: string }[] = [];
    const makeWorker = (engine: QueueEngine, by: string) => {
      const worker = new Worker('api', async () => 'ok', { connection: engine, concurrency: 3, limiter: { max: 1, duration: 1000 } });
      worker.on('active', (job) => started.push({ at: job.processedOn!, by }));
      return worker;
    };
    const workers = [makeWorker(first.engine, 'a'), makeWorker(second, 'b')];
    await driveClock(clock, 150, () => started.length === 5);
    const times = started.map((s) => s.at).sort((x, y) => x - y);
    for (let i = 1; i < times.length; i++) expect(times[i] - times[i - 1]).toBeGreaterThanOrEqual(1000);
    await until(async () => (await queue.getJobCounts('completed')).completed === 5);
    await Promise.all(workers.map((w) => w.close()));
  });

  it('a global rate limit (set from the queue) caps a worker with no limiter, and jobs stay waiting, never delayed', async () => {
    const { clock, engine, queue } = await fakeClockQueue(defer);
    await queue.setGlobalRateLimit(2, 1000);
    expect(await queue.getGlobalRateLimit()).toEqual({ max: 2, duration: 1000 });
    await queue.addBulk(Array.from({ length: 5 }, (_, i) => ({ name: 'n', data: i })));
    const started: number[] = [];
    const worker = new Worker('q', async () => undefined, { connection: engine, concurrency: 10 });
    worker.on('active', (job) => started.push(job.processedOn!));
    await until(() => started.length === 2);
    await until(async () => (await queue.getJobCounts('completed')).completed === 2);
    const counts = await queue.getJobCounts('waiting', 'delayed');
    expect(counts).toEqual({ waiting: 3, delayed: 0 });
    expect(await queue.getRateLimitTtl()).toBe(1000);
    await driveClock(clock, 100, () => started.length === 5);
    // Per window of 1000 ms at most two starts.
    for (const t of started) expect(started.filter((u) => u >= t && u < t + 1000).length).toBeLessThanOrEqual(2);
    await queue.removeGlobalRateLimit();
    expect(await queue.getGlobalRateLimit()).toBeNull();
    await worker.close();
  });

  it('RateLimitError puts the job back to waiting without counting an attempt and pauses claims until the limit expires', async () => {
    const { clock, engine, queue } = await fakeClockQueue(defer);
    const job = await queue.add('n', 1, { attempts: 1 });
    let calls = 0;
    const worker: Worker = new Worker(
      'q',
      async () => {
        calls += 1;
        if (calls === 1) {
          await worker.rateLimit(1000);
          throw Worker.RateLimitError();
        }
        return 'done';
      },
      { connection: engine },
    );
    let failedEvents = 0;
    worker.on('failed', () => failedEvents++);
    await until(async () => calls === 1 && (await queue.getJobState(job.id)) === 'waiting');
    const stored = await queue.getJob(job.id);
    expect(stored?.attemptsMade).toBe(0);
    expect(await queue.getRateLimitTtl()).toBe(1000);
    clock.advance(999);
    await new Promise((r) => setTimeout(r, 40));
    expect(calls).toBe(1);
    clock.advance(1);
    await until(async () => (await queue.getJobState(job.id)) === 'completed');
    expect((await queue.getJob(job.id))?.attemptsMade).toBe(1);
    expect(failedEvents).toBe(0);
    expect(new RateLimitError().message).toBe('bullmq:rateLimitExceeded');
    await worker.close();
  });

  it('refuses invalid limits and stores nothing', async () => {
    const { engine, close } = await openEngine('memory');
    defer(close);
    const queue = new Queue('q', { connection: engine });
    await expect(queue.setGlobalRateLimit(0, 1000)).rejects.toThrow(ValidationError);
    await expect(queue.setGlobalRateLimit(1, 0)).rejects.toMatchObject({ field: "duration" });
    expect(() => new Worker('q', async () => 1, { connection: engine, limiter: { max: 1, duration: -5 } })).toThrow(/limiter\.duration/);
    expect(await queue.getGlobalRateLimit()).toBeNull();
  });
});
