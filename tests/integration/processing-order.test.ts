import { afterEach, describe, expect, it } from 'vitest';
import { Queue, Worker } from '../../src_refactored/index.js';
import { nextEvent, openEngine, type StoreKind } from '../support/engine-fixture.js';

const stores: StoreKind[] = ['memory', 'wal-file'];

describe.each(stores)('processing order on %s', (kind) => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => close?.());

  /** Adds jobs while no worker runs, then processes them one at a time and records the order. */
  async function processedOrder(add: (queue: Queue) => Promise<void>): Promise<string[]> {
    const fixture = await openEngine(kind);
    close = fixture.close;
    const queue = new Queue('order', { connection: fixture.engine });
    await add(queue);
    const seen: string[] = [];
    const worker = new Worker('order', async (job) => void seen.push(job.name), { connection: fixture.engine, concurrency: 1 });
    await nextEvent(worker, 'drained');
    await worker.close();
    return seen;
  }

  it('runs 35 serial jobs in FIFO order', async () => {
    const names = Array.from({ length: 35 }, (_, i) => `job-${i}`);
    const order = await processedOrder(async (q) => {
      for (const name of names) await q.add(name, {});
    });
    expect(order).toEqual(names);
  });

  it('runs LIFO jobs newest first, ahead of FIFO jobs', async () => {
    const order = await processedOrder(async (q) => {
      await q.add('fifo-1', {});
      await q.add('lifo-1', {}, { lifo: true });
      await q.add('lifo-2', {}, { lifo: true });
      await q.add('fifo-2', {});
    });
    expect(order).toEqual(['lifo-2', 'lifo-1', 'fifo-1', 'fifo-2']);
  });

  it('runs unprioritized jobs first, then by priority, FIFO inside one priority', async () => {
    const order = await processedOrder(async (q) => {
      await q.add('p5-a', {}, { priority: 5 });
      await q.add('p1-a', {}, { priority: 1 });
      await q.add('none-a', {});
      await q.add('p5-b', {}, { priority: 5 });
      await q.add('p1-b', {}, { priority: 1 });
      await q.add('none-b', {}, { priority: 0 });
    });
    expect(order).toEqual(['none-a', 'none-b', 'p1-a', 'p1-b', 'p5-a', 'p5-b']);
  });

  it('gives per-queue counter ids and keeps queues apart', async () => {
    const fixture = await openEngine(kind);
    close = fixture.close;
    const a = new Queue('a', { connection: fixture.engine });
    const b = new Queue('b', { connection: fixture.engine });
    const ids = [(await a.add('x', {})).id, (await a.add('x', {})).id, (await b.add('x', {})).id];
    expect(ids).toEqual(['1', '2', '1']);
    expect(await a.getJobCounts('waiting')).toEqual({ waiting: 2 });
    expect(await b.getJobCounts('waiting')).toEqual({ waiting: 1 });
    expect(await a.getJobState('1')).toBe('waiting');
    expect(await a.getJobState('nope')).toBe('unknown');
  });
});
