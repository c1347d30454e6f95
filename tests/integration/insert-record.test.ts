import { afterEach, describe, expect, it } from 'vitest';
import { openEngine } from '../support/engine-fixture.js';

/**
 * The writer builds the record of a new job from its inputs instead of reading the row back
 * (RETURNING * cost 4x the insert). What add() returns must be exactly what a later read returns.
 */
describe('add() returns the stored job', () => {
  let close: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await close?.();
    close = undefined;
  });

  it('matches getJob for every kind of option, and for a duplicate custom id', async () => {
    const store = await openEngine('memory');
    close = store.close;
    const { queues } = store.engine;
    const inputs = [
      { name: 'plain', data: { a: 1, nested: { list: [1, 'x', null] } }, opts: {} },
      { name: 'dated', data: { at: new Date(0), gone: undefined }, opts: { priority: 7, attempts: 3, backoff: { type: 'fixed', delay: 5 } } },
      { name: 'later', data: 'text', opts: { delay: 1_000, lifo: true, removeOnComplete: 5 } },
      { name: 'custom', data: null, opts: { jobId: 'own-id', group: { id: 'g1' }, timeout: 50 } },
    ];
    const added = await queues.addBulk('q', inputs);
    added.push(await queues.add('q', { name: 'again', data: { other: true }, opts: { jobId: 'own-id' } }));
    for (const record of added) expect(record).toEqual(await queues.getJob('q', record.id));
    expect(added.map((r) => r.state)).toEqual(['waiting', 'prioritized', 'delayed', 'waiting', 'waiting']);
    expect(added[4].name).toBe('custom');
  });
});
