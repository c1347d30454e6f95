import { Queue, Worker, type QueueEngine } from '../../src_refactored/index.js';
import { FakeClock } from '../support/fake-clock.js';
import { openEngine, until } from '../support/engine-fixture.js';

/**
 * One engine with a fake clock, a queue and (on demand) a worker that records the slot of every job a
 * scheduler ran. `step(ms)` moves the clock and waits until the expected number of runs happened.
 */
export async function schedulerHarness(start: number, queueName = 'sched') {
  const clock = new FakeClock(start);
  const opened = await openEngine('wal-file', { clock });
  const queue = new Queue(queueName, { connection: opened.engine });
  const runs: { id: string; slot: number; ranAt: number; data: unknown }[] = [];
  let worker: Worker | undefined;
  const slotOf = (id: string) => Number(id.slice(id.lastIndexOf(':') + 1));
  return {
    clock,
    engine: opened.engine as QueueEngine,
    path: opened.path,
    queue,
    runs,
    slots: () => runs.map((r) => new Date(r.slot).toISOString()),
    startWorker(opts: Record<string, unknown> = {}) {
      worker = new Worker(queueName, async (job) => void runs.push({ id: job.id, slot: slotOf(job.id), ranAt: clock.now(), data: job.data }), {
        connection: opened.engine,
        ...opts,
      });
      return worker;
    },
    /** Moves the clock by `ms`, then waits until `expectedRuns` runs in total were recorded. */
    async step(ms: number, expectedRuns: number) {
      clock.advance(ms);
      await until(() => runs.length >= expectedRuns, 5_000);
    },
    async pendingIds() {
      return (await queue.getJobs(['delayed', 'waiting', 'prioritized'])).map((j) => j.id).sort();
    },
    async close() {
      await worker?.close();
      await queue.close();
      await opened.close();
    },
  };
}

export const HOUR = 3600_000;
export const MINUTE = 60_000;
export const iso = (ms: number) => new Date(ms).toISOString();
