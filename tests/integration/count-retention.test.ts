import { afterEach, describe, expect, it } from 'vitest';
import { Queue, Worker } from '../../src_refactored/index.js';
import { openEngine, openSameStore, until } from '../support/engine-fixture.js';
import { FakeClock } from '../support/fake-clock.js';

/**
 * Count retention (`removeOnComplete: n`) keeps the newest n completed jobs, also when other paths
 * (remove, retry, clean) changed the set in between. Below n = 10 it is exact after each completion;
 * from n = 10 up to n/10 (at most 100) more may accumulate and are then deleted in one batch, oldest
 * first, down to exactly n (issue 6: one delete per job rewrote the oldest pages of six b-trees per commit).
 * On SQLite each engine counts its own completions between trims, so with several processes the bound is
 * n + slack per process.
 */
describe('count retention keeps the newest n finished jobs', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  /** A queue and a worker keeping `keep` completed jobs; ids of the completed jobs, oldest first. */
  async function start(keep: number) {
    const clock = new FakeClock();
    const store = await openEngine('wal-file', { clock });
    close = store.close;
    const queue = new Queue('q', { connection: store.engine });
    const worker = new Worker('q', async () => clock.advance(1), { connection: store.engine, removeOnComplete: keep });
    const seen = { completed: 0 };
    worker.on('completed', () => seen.completed++);
    const completedIds = async () => (await queue.getJobs(['completed'], 0, -1, true)).map((j) => j.id);
    const processUntil = (n: number) => until(() => seen.completed >= n);
    return { queue, worker, completedIds, processUntil };
  }

  it('after completions, removals, retries and clean', async () => {
    const { queue, worker, completedIds, processUntil } = await start(3);

    await queue.addBulk([1, 2, 3, 4, 5].map((i) => ({ name: 'j', data: { i } })));
    await processUntil(5);
    expect(await completedIds()).toEqual(['3', '4', '5']);

    await queue.remove('4');
    await queue.addBulk([6, 7].map((i) => ({ name: 'j', data: { i } })));
    await processUntil(7);
    expect(await completedIds()).toEqual(['5', '6', '7']);

    await (await queue.getJob('5'))!.retry('completed');
    await processUntil(8);
    expect(await completedIds()).toEqual(['6', '7', '5']);

    await queue.clean(0, 1, 'completed');
    expect(await completedIds()).toHaveLength(2);
    await queue.add('j', { i: 8 });
    await processUntil(9);
    expect(await completedIds()).toHaveLength(3);
    expect((await completedIds()).at(-1)).toBe('8');
    await worker.close();
  });

  it('from n = 10 at most n/10 more accumulate, and each trim leaves exactly the newest n', async () => {
    const { queue, worker, completedIds, processUntil } = await start(20);
    const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => String(from + i));
    const sizes: number[] = [];

    // One by one, so each completion is its own settle (the slack of 20 is 2).
    for (let i = 1; i <= 40; i++) {
      await queue.add('j', { i });
      await processUntil(i);
      const kept = await completedIds();
      // Always the newest ones, oldest first, never more than n + slack.
      expect(kept).toEqual(range(i - kept.length + 1, i));
      expect(kept.length).toBeGreaterThanOrEqual(Math.min(i, 20));
      expect(kept.length).toBeLessThanOrEqual(22);
      sizes.push(kept.length);
    }
    // The excess was deleted in batches: the count fell more than once, each time to exactly 20.
    const afterTrims = sizes.filter((n, k) => k > 0 && n < sizes[k - 1]);
    expect(afterTrims.length).toBeGreaterThan(1);
    expect(new Set(afterTrims)).toEqual(new Set([20]));
    await worker.close();
  });

  it('a lowered count takes effect at the first completion of a new engine', async () => {
    const clock = new FakeClock();
    const store = await openEngine('wal-file', { clock });
    close = store.close;
    const queue = new Queue('q', { connection: store.engine });
    await queue.addBulk(Array.from({ length: 30 }, (_, i) => ({ name: 'j', data: { i } })));
    const first = new Worker('q', async () => clock.advance(1), { connection: store.engine, removeOnComplete: 100 });
    await until(async () => (await queue.getJobCounts('completed')).completed === 30);
    await first.close();

    // Another engine (another process, or this one restarted) with a smaller count.
    const engine = await openSameStore(store.path, { clock, idleCheckInterval: 10 });
    const second = new Worker('q', async () => clock.advance(1), { connection: engine, removeOnComplete: 20 });
    await new Queue('q', { connection: engine }).add('j', { i: 30 });
    await until(async () => (await queue.getJobCounts('completed')).completed <= 21);
    const kept = (await queue.getJobs(['completed'], 0, -1, true)).map((j) => j.id);
    expect(kept).toEqual(Array.from({ length: 20 }, (_, i) => String(12 + i)));
    await second.close();
    await engine.close();
  });

  it('two engines finishing the same queue keep it bounded', async () => {
    const clock = new FakeClock();
    const store = await openEngine('wal-file', { clock });
    close = store.close;
    const other = await openSameStore(store.path, { clock, idleCheckInterval: 10 });
    const queue = new Queue('q', { connection: store.engine });
    await queue.addBulk(Array.from({ length: 120 }, (_, i) => ({ name: 'j', data: { i } })));
    const workers = [store.engine, other].map(
      (engine) => new Worker('q', async () => clock.advance(1), { connection: engine, removeOnComplete: 20, concurrency: 4 }),
    );
    let done = 0;
    for (const w of workers) w.on('completed', () => done++);
    await until(() => done === 120);
    // Each engine counts its own settles: up to n + 2 x slack with two of them.
    const completed = (await queue.getJobCounts('completed')).completed;
    expect(completed).toBeGreaterThanOrEqual(20);
    expect(completed).toBeLessThanOrEqual(24);
    for (const w of workers) await w.close();
    await other.close();
  });
});
