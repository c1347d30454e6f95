import { describe, expect, it } from 'vitest';
import { Queue, Worker } from '../../src_refactored/index.js';
import { freshStore, nextEvent, openSameStore } from '../support/engine-fixture.js';

// SQLite-only: the wake-up comes from watching the file's WAL.
describe('cross-process wake-up through the WAL file', () => {
  it('an idle worker on another connection picks up a job at once, with every poll a minute apart', async () => {
    const store = await freshStore('watched.db');
    const producer = await openSameStore(store.path);
    // Polls and idle checks a minute apart: only the watch on the WAL can wake this worker in time.
    const consumer = await openSameStore(store.path, { changePollInterval: 60_000, idleCheckInterval: 60_000 });
    const worker = new Worker('w', async (job) => job.data, { connection: consumer });
    // A few turns: the worker's first claim (synchronous on SQLite) finds nothing and it goes idle, so the
    // job below can only reach it through a wake-up (without the watch this test times out).
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    const queue = new Queue('w', { connection: producer });
    const started = performance.now();
    const completed = nextEvent(worker, 'completed', 5_000);
    await queue.add('x', { n: 1 });
    await completed;
    // Measured ~1-5 ms here; the poll alone would take 60 s.
    expect(performance.now() - started).toBeLessThan(5_000);
    await worker.close();
    await producer.close();
    await consumer.close();
    await store.cleanup();
  });
});
