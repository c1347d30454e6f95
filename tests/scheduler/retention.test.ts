import { afterEach, describe, expect, it } from 'vitest';
import { Queue, Worker, type Processor } from '../../src_refactored/index.js';
import { FakeClock } from '../support/fake-clock.js';
import { openEngine, until } from '../support/engine-fixture.js';

describe('retention', () => {
  let cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.reverse()) await c();
    cleanup = [];
  });

  async function setup(workerOpts: Record<string, unknown> = {}, processor: Processor = async () => 'ok') {
    const clock = new FakeClock();
    const opened = await openEngine('wal-file', { clock });
    const queue = new Queue('keep', { connection: opened.engine });
    const worker = new Worker('keep', processor, { connection: opened.engine, concurrency: 50, ...workerOpts });
    cleanup.push(opened.close, () => worker.close());
    const completed = async () => (await queue.getJobCounts('completed')).completed;
    return { clock, queue, completed };
  }

  it('removeOnComplete by age also acts on a queue where nothing finishes any more (periodic sweep)', async () => {
    const { clock, queue, completed } = await setup({ removeOnComplete: { age: 60 } });
    await queue.addBulk(Array.from({ length: 5 }, (_, i) => ({ name: 'j', data: { i } })));
    await until(async () => (await completed()) === 5);
    clock.advance(30_000);
    await queue.add('young', {});
    await until(async () => (await completed()) === 6);
    clock.advance(31_000);
    // The five are older than 60 s now; the young one (31 s) stays.
    await until(async () => (await completed()) === 1);
    expect((await queue.getCompleted()).map((j) => j.name)).toEqual(['young']);
  });

  it('the age sweep is bounded: at most 1000 jobs per state per sweep', async () => {
    const { clock, queue, completed } = await setup();
    await queue.addBulk(Array.from({ length: 2500 }, (_, i) => ({ name: 'j', data: { i }, opts: { removeOnComplete: { age: 60 } } })));
    await until(async () => (await completed()) === 2500, 30_000);
    clock.advance(61_000);
    await until(async () => (await completed()) === 1500);
    clock.advance(5_000);
    await until(async () => (await completed()) === 500);
    clock.advance(5_000);
    await until(async () => (await completed()) === 0);
  });

  it('removeOnComplete / removeOnFail by count are enforced as jobs finish', async () => {
    const { queue, completed } = await setup({}, async () => {
      throw new Error('no');
    });
    await queue.addBulk(Array.from({ length: 10 }, (_, i) => ({ name: 'f', data: { i }, opts: { removeOnFail: 3 } })));
    await until(async () => (await queue.getJobCounts('waiting', 'active')).waiting === 0);
    await until(async () => (await queue.getJobCounts('failed')).failed === 3);
    expect(await completed()).toBe(0);
  });

  it('keepLogs keeps the newest log lines of a job', async () => {
    const { queue } = await setup({}, async (job) => {
      for (let i = 1; i <= 5; i++) await job.log(`line ${i}`);
      return 'ok';
    });
    const job = await queue.add('logged', {}, { keepLogs: 2, removeOnComplete: false });
    await until(async () => (await queue.getJobState(job.id)) === 'completed');
    expect(await queue.getJobLogs(job.id)).toEqual({ logs: ['line 4', 'line 5'], count: 2 });
  });
});
