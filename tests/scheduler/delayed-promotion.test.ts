import { afterEach, describe, expect, it } from 'vitest';
import { Queue, QueueEvents, Worker } from '../../src_refactored/index.js';
import { FakeClock } from '../support/fake-clock.js';
import { nextEvent, openEngine, until } from '../support/engine-fixture.js';

const SECOND = 1000;
const YEAR = 365 * 24 * 3600 * SECOND;

describe('delayed jobs', () => {
  let cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanup.reverse()) await c();
    cleanup = [];
  });

  async function setup(options: { idleCheckInterval?: number } = {}) {
    const clock = new FakeClock();
    const opened = await openEngine('wal-file', { clock, ...options });
    const queue = new Queue('delayed', { connection: opened.engine });
    cleanup.push(opened.close);
    return { clock, engine: opened.engine, queue };
  }

  function collect(engine: Awaited<ReturnType<typeof setup>>['engine']) {
    const order: string[] = [];
    const worker = new Worker('delayed', async (job) => void order.push(job.name), { connection: engine });
    cleanup.push(() => worker.close());
    return order;
  }

  it('runs 12 jobs added in reverse due order by due time, equal due times in FIFO order', async () => {
    const { clock, engine, queue } = await setup();
    // Due times 12 s, 11 s … 1 s: added latest-first. Then three more due at 5 s, added after the others.
    for (let i = 12; i >= 1; i--) await queue.add(`d${i}`, {}, { delay: i * SECOND });
    for (const tag of ['a', 'b', 'c']) await queue.add(`d5${tag}`, {}, { delay: 5 * SECOND });
    const order = collect(engine);
    clock.advance(12 * SECOND);
    await until(() => order.length === 15);
    expect(order).toEqual(['d1', 'd2', 'd3', 'd4', 'd5', 'd5a', 'd5b', 'd5c', 'd6', 'd7', 'd8', 'd9', 'd10', 'd11', 'd12']);
  });

  it('a job delayed one year does not block one delayed one second', async () => {
    const { clock, engine, queue } = await setup();
    const year = await queue.add('year', {}, { delay: YEAR });
    await queue.add('second', {}, { delay: SECOND });
    const order = collect(engine);
    clock.advance(SECOND);
    await until(() => order.length === 1);
    expect(order).toEqual(['second']);
    expect(await year.getState()).toBe('delayed');
    clock.advance(YEAR);
    await until(() => order.length === 2);
    expect(order).toEqual(['second', 'year']);
  });

  it('a paused queue still promotes due jobs to waiting, and they run on resume', async () => {
    const { clock, engine, queue } = await setup();
    const order = collect(engine);
    await queue.pause();
    const job = await queue.add('due', {}, { delay: SECOND });
    const events = new QueueEvents('delayed', { connection: engine });
    cleanup.push(() => events.close());
    const promoted = nextEvent(events, 'waiting');
    clock.advance(SECOND);
    await promoted;
    expect(await job.getState()).toBe('waiting');
    expect(order).toEqual([]);
    await queue.resume();
    await until(() => order.length === 1);
  });

  it('wakes at the earliest due time, re-armed when an earlier job is added (not on the idle poll)', async () => {
    // A one-minute idle check: only the due-time timer can promote within the wait below.
    const { clock, engine, queue } = await setup({ idleCheckInterval: 60_000 });
    await queue.add('late', {}, { delay: 3600 * SECOND });
    const early = await queue.add('early', {}, { delay: 40 });
    const events = new QueueEvents('delayed', { connection: engine });
    cleanup.push(() => events.close());
    const promoted = nextEvent<[{ jobId: string }]>(events, 'waiting', 5_000);
    clock.advance(40);
    const started = performance.now();
    const [{ jobId }] = await promoted;
    expect(jobId).toBe(early.id);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(await queue.getJobCounts('waiting', 'delayed')).toEqual({ waiting: 1, delayed: 1 });
  });
});
