import { afterEach, describe, expect, it } from 'vitest';
import { Queue, Worker } from '../../src_refactored/index.js';
import { openEngine, until } from '../support/engine-fixture.js';
import { FakeClock } from '../support/fake-clock.js';

/**
 * Count retention (`removeOnComplete: n`) keeps the newest n completed jobs, also when other paths
 * (remove, retry, clean) changed the set in between. Below n = 10 it is exact after each completion;
 * from n = 10 up to n/10 (at most 100) more may accumulate and are then deleted in one batch, oldest
 * first, down to exactly n (issue 6: one delete per job rewrote the oldest pages of six b-trees per commit).
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

  it('from n = 10 the excess is trimmed in batches of n/10 + 1, oldest first, down to exactly n', async () => {
    const { queue, worker, completedIds, processUntil } = await start(20);
    const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => String(from + i));

    // One by one, so each completion is its own settle (slack of 20 is 2).
    for (let i = 1; i <= 23; i++) {
      await queue.add('j', { i });
      await processUntil(i);
      const kept = await completedIds();
      if (i <= 22) expect(kept).toEqual(range(1, i)); // 21 and 22 are within the slack
      else expect(kept).toEqual(range(4, 23)); // the 23rd exceeds it: the three oldest go at once
    }
    await worker.close();
  });
});
