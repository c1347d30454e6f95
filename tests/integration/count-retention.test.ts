import { afterEach, describe, expect, it } from 'vitest';
import { Queue, Worker } from '../../src_refactored/index.js';
import { openEngine, until } from '../support/engine-fixture.js';
import { FakeClock } from '../support/fake-clock.js';

/**
 * Count retention (`removeOnComplete: n`) keeps exactly the newest n completed jobs after each
 * completion, also when other paths (remove, retry, clean) changed the set in between. Written while
 * measuring a cheaper trim (issue 6): any retention shortcut must keep this true.
 */
describe('count retention keeps exactly the newest n finished jobs', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  it('after completions, removals, retries and clean', async () => {
    const clock = new FakeClock();
    const store = await openEngine('wal-file', { clock });
    close = store.close;
    const queue = new Queue('q', { connection: store.engine });
    const worker = new Worker('q', async () => clock.advance(1), { connection: store.engine, removeOnComplete: 3 });
    let completed = 0;
    worker.on('completed', () => completed++);
    const completedIds = async () => (await queue.getJobs(['completed'], 0, -1, true)).map((j) => j.id);
    const processUntil = (n: number) => until(() => completed >= n);

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
});
