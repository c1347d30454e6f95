import { afterEach, describe, expect, it } from 'vitest';
import { Queue, Worker } from '../../src_refactored/index.js';
import { FakeClock } from '../support/fake-clock.js';
import { nextEvent, openEngine, freshStore, openSameStore } from '../support/engine-fixture.js';

describe('retention as jobs finish', () => {
  let fixture: Awaited<ReturnType<typeof openEngine>>;
  afterEach(async () => fixture.close());

  async function runAll(queue: Queue, worker: Worker, n: number) {
    let finished = 0;
    const done = new Promise<void>((resolve) => {
      const count = () => ++finished === n && resolve();
      worker.on('completed', count);
      worker.on('failed', count);
    });
    for (let i = 0; i < n; i++) await queue.add(`j${i}`, { i });
    await done;
  }

  it('removeOnComplete: true removes each job as it completes', async () => {
    fixture = await openEngine('memory');
    const queue = new Queue('r1', { connection: fixture.engine });
    const worker = new Worker('r1', async () => 'ok', { connection: fixture.engine, removeOnComplete: true });
    const settled = nextEvent(worker, 'completed'); // listen before the call: the worker may finish before it returns
    await queue.add('kept', {}, { removeOnComplete: false });
    await settled;
    await runAll(queue, worker, 3);
    const jobs = await queue.getJobs(['completed']);
    expect(jobs.map((j) => j.name)).toEqual(['kept']);
    await worker.close();
  });

  it('a count keeps the newest finished jobs; the worker default applies to jobs without their own rule', async () => {
    fixture = await openEngine('memory');
    const queue = new Queue('r2', { connection: fixture.engine });
    const worker = new Worker('r2', async (job) => {
      if ((job.data as { i: number }).i % 2) throw new Error('odd');
      return 'even';
    }, { connection: fixture.engine, removeOnComplete: 2, removeOnFail: { count: 1 } });
    await runAll(queue, worker, 8);
    expect((await queue.getJobs(['completed'])).map((j) => j.name)).toEqual(['j6', 'j4']);
    expect((await queue.getJobs(['failed'])).map((j) => j.name)).toEqual(['j7']);
    await worker.close();
  });

  it('an age rule removes jobs that finished longer ago than age seconds', async () => {
    const clock = new FakeClock();
    fixture = await openEngine('memory', { clock });
    const queue = new Queue('r3', { connection: fixture.engine, defaultJobOptions: { removeOnComplete: { age: 60 } } });
    const worker = new Worker('r3', async () => 'ok', { connection: fixture.engine });
    await runAll(queue, worker, 2);
    clock.advance(61_000);
    const settled = nextEvent(worker, 'completed'); // listen before the call: the worker may finish before it returns
    await queue.add('later', {});
    await settled;
    expect((await queue.getJobs(['completed'])).map((j) => j.name)).toEqual(['later']);
    await worker.close();
  });
});

describe('waking idle workers', () => {
  it('a job added by another process (engine) on the same file is picked up without waiting for the idle check', async () => {
    const temp = await freshStore('shared.db');
    const path = temp.path;
    // A long idle check: only the change feed (data_version) can explain a quick pick-up.
    const consumer = await openSameStore(path, { idleCheckInterval: 60_000 });
    const producer = await openSameStore(path, { idleCheckInterval: 60_000 });
    const worker = new Worker('x', async (job) => job.name, { connection: consumer });
    const queue = new Queue('x', { connection: producer });
    await new Promise((r) => setTimeout(r, 50)); // let the worker go idle
    await queue.add('from-producer', {});
    const [, result] = await nextEvent<[unknown, string]>(worker, 'completed', 5_000);
    expect(result).toBe('from-producer');
    await worker.close();
    await consumer.close();
    await producer.close();
    await temp.cleanup();
  });

  it('a job added while the worker is claiming (right after a completion) is picked up without waiting for the idle check', async () => {
    const { engine, close } = await openEngine('memory', { idleCheckInterval: 60_000 });
    const queue = new Queue('busy', { connection: engine });
    const worker = new Worker('busy', async (job) => job.name, { connection: engine });
    // Each completion is followed by the worker's next claim; the add lands while that claim is in flight
    // (on a server that is a round trip). Only a kept wake-up explains a pick-up before the 60 s idle check.
    const names: string[] = [];
    for (let i = 0; i < 20; i++) {
      const completed = nextEvent<[unknown, string]>(worker, 'completed', 5_000);
      await queue.add(`job-${i}`, {});
      names.push((await completed)[1]);
    }
    expect(names).toEqual(Array.from({ length: 20 }, (_, i) => `job-${i}`));
    await worker.close();
    await close();
  });

  it('emits drained when the queue empties and closed when the worker closes', async () => {
    const { engine, close } = await openEngine('memory');
    const queue = new Queue('ev', { connection: engine });
    const worker = new Worker('ev', async () => 1, { connection: engine, concurrency: 3 });
    const events: string[] = [];
    for (const e of ['active', 'completed', 'drained', 'closed']) worker.on(e, () => events.push(e));
    const settled = nextEvent(worker, 'drained'); // listen before the call: the worker may finish before it returns
    await queue.addBulk([{ name: 'a', data: 1 }, { name: 'b', data: 2 }]);
    await settled;
    await worker.close();
    expect(events.filter((e) => e === 'active')).toHaveLength(2);
    expect(events.filter((e) => e === 'completed')).toHaveLength(2);
    expect(events.slice(-2)).toEqual(['drained', 'closed']);
    await close();
  });
});
