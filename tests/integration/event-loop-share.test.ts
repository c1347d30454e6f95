import { afterEach, describe, expect, it } from 'vitest';
import { Queue, Worker } from '../../src_refactored/index.js';
import { nextEvent, openEngine, type StoreKind } from '../support/engine-fixture.js';

const stores: StoreKind[] = ['memory', 'wal-file'];
const JOBS = 500;

describe.each(stores)('a worker draining quick jobs on %s', (kind) => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => close?.());

  it('lets the rest of the process run while it drains: the event loop turns every few jobs', async () => {
    const fixture = await openEngine(kind);
    close = fixture.close;
    const queue = new Queue('quick', { connection: fixture.engine });
    await queue.addBulk(Array.from({ length: JOBS }, (_, i) => ({ name: 'job', data: { i } })));
    let started = 0;
    // The application's own work: a callback that wants a turn of the event loop, again and again. It
    // notes how many jobs had started whenever that count moved (a turn per job at most: on a server
    // store the loop turns thousands of times while it waits for the network).
    const marks = [0];
    let turning = true;
    const turn = () => {
      if (started !== marks[marks.length - 1]) marks.push(started);
      if (turning) setImmediate(turn);
    };
    setImmediate(turn);
    const worker = new Worker('quick', async () => void started++, { connection: fixture.engine, concurrency: 1 });
    await nextEvent(worker, 'drained');
    turning = false;
    await worker.close();
    expect(started).toBe(JOBS);
    // A worker with nothing else running chains its steps in microtasks (pump-schedule.ts), for at most
    // 1 ms per turn: at the ≥ 15 µs a job takes here that is at most ~70 jobs between two turns, never the whole queue.
    marks.push(JOBS);
    let longestStretch = 0;
    for (let i = 1; i < marks.length; i++) longestStretch = Math.max(longestStretch, marks[i]! - marks[i - 1]!);
    expect(longestStretch).toBeLessThan(150);
  });
});
