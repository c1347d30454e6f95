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
    // The application's own work: a callback that wants a turn of the event loop, again and again.
    const startedAtTurns: number[] = [];
    let turning = true;
    const turn = () => {
      startedAtTurns.push(started);
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
    const marks = [0, ...startedAtTurns.filter((n) => n < JOBS), JOBS];
    const longestStretch = Math.max(...marks.slice(1).map((n, i) => n - marks[i]!));
    expect(longestStretch).toBeLessThan(150);
  });
});
