import { afterEach, describe, expect, it } from 'vitest';
import { buildNewJob } from '../../src_refactored/core/application/services/new-job.js';
import { plainCodec } from '../../src_refactored/infrastructure/persistence/codec/payload-codec.js';
import { PgFlowControlRepository } from '../../src_refactored/infrastructure/persistence/postgres/pg-flow-control-repository.js';
import { PgFlowRepository } from '../../src_refactored/infrastructure/persistence/postgres/pg-flow-repository.js';
import type { PgStore } from '../../src_refactored/infrastructure/persistence/postgres/pg-store.js';
import { activate, addJob, rowOf } from './pg-job-seeding.js';
import { BACKENDS, PG_URL, TestStores } from './pg-test-stores.js';

const Q = 'control';
const NOW = 50_000;

describe.each(BACKENDS)('PgFlowControlRepository on %s', (backend) => {
  let stores: TestStores;
  afterEach(() => stores.close());
  const fresh = () => {
    stores = new TestStores(backend);
    return stores.open();
  };
  const control = (store: PgStore) => new PgFlowControlRepository(store, plainCodec);

  it('stores queue settings before the first job and reads them back', async () => {
    const c = control(fresh());
    expect(await c.getGlobalConcurrency(Q)).toBeNull();
    await c.setGlobalConcurrency(Q, 3);
    expect(await c.getGlobalConcurrency(Q)).toBe(3);
    await c.setGlobalConcurrency(Q, null);
    expect(await c.getGlobalConcurrency(Q)).toBeNull();

    await c.setGlobalRateLimit(Q, { max: 5, duration: 1_000 });
    expect(await c.getGlobalRateLimit(Q)).toEqual({ max: 5, duration: 1_000 });
    await c.setGlobalRateLimit(Q, null);
    expect(await c.getGlobalRateLimit(Q)).toBeNull();

    expect(await c.getRateLimitTtl('other', NOW)).toBe(0);
    await c.setRateLimitedUntil(Q, NOW + 700);
    expect(await c.getRateLimitTtl(Q, NOW)).toBe(700);

    await c.setGroupConcurrency(Q, 2);
    await c.setGroupConcurrency(Q, 5, 'g1');
    expect(await c.getGroupConcurrency(Q)).toBe(2);
    expect(await c.getGroupConcurrency(Q, 'g1')).toBe(5);
    expect(await c.getGroupConcurrency(Q, 'g2')).toBe(2);
    await c.setGroupConcurrency(Q, null, 'g1');
    expect(await c.getGroupConcurrency(Q, 'g1')).toBe(2);
  });

  it('counts a full rate-limit window in the ttl', async () => {
    const store = fresh();
    const c = control(store);
    await c.setGlobalRateLimit(Q, { max: 2, duration: 1_000 });
    await store.connection.query('UPDATE queues SET rate_window_start = $2, rate_window_count = 2 WHERE name = $1', [Q, NOW - 400]);
    expect(await c.getRateLimitTtl(Q, NOW)).toBe(600);
  });

  it('cancels: a waiting job fails at once, an active one gets a request, a finished or missing one is reported', async () => {
    const store = fresh();
    const c = control(store);
    const waiting = await addJob(store, Q);
    const active = await addJob(store, Q);
    await activate(store, Q, active.id, 'tok');

    const failed = await c.cancel(Q, waiting.id, 'stop', NOW);
    expect(failed).toMatchObject({ kind: 'failed', prev: 'waiting' });
    expect(await rowOf(store, Q, waiting.id)).toMatchObject({ state: 'failed', failed_reason: 'stop' });
    expect(await c.cancel(Q, waiting.id, 'again', NOW)).toEqual({ kind: 'finished' });
    expect(await c.cancel(Q, 'nope', 'x', NOW)).toEqual({ kind: 'missing' });

    expect(await c.cancel(Q, active.id, 'halt', NOW)).toEqual({ kind: 'requested' });
    expect(await c.cancelRequests(Q)).toEqual([{ id: active.id, token: 'tok', reason: 'halt' }]);
  });

  it('a cancelled job with removeOnFail: true is removed; a cancelled flow child fails its parent', async () => {
    const store = fresh();
    const c = control(store);
    const gone = await addJob(store, Q, { removeOnFail: true });
    expect((await c.cancel(Q, gone.id, 'stop', NOW)).kind).toBe('failed');
    expect(await rowOf(store, Q, gone.id)).toBeUndefined();

    const flows = new PgFlowRepository(store, plainCodec);
    const [tree] = await flows.insertFlows(
      [{ job: buildNewJob(Q, 'parent', '{}', {}), children: [{ job: buildNewJob(Q, 'child', '{}', { failParentOnFailure: true }), children: [] }] }],
      NOW,
    );
    const child = tree.children[0].result.record;
    const outcome = await c.cancel(Q, child.id, 'stop', NOW);
    expect(outcome.kind).toBe('failed');
    expect((await rowOf(store, Q, tree.result.record.id)).state).toBe('failed');
  });

  it('reads and removes deduplication keys', async () => {
    const store = fresh();
    const c = control(store);
    const job = await addJob(store, Q, { deduplication: { id: 'd1' } });
    expect(await c.getDeduplicationJobId(Q, 'd1', NOW)).toBe(job.id);
    expect(await c.removeDeduplicationKey(Q, 'd1')).toBe(1);
    expect(await c.getDeduplicationJobId(Q, 'd1', NOW)).toBeNull();
    expect(await c.removeDeduplicationKey(Q, 'd1')).toBe(0);
  });

  describe.skipIf(backend !== 'postgres' || PG_URL === undefined)('across processes', () => {
    it('the same job cancelled from two processes at once fails once', async () => {
      const a = fresh();
      const b = stores.open();
      for (let round = 0; round < 10; round++) {
        const job = await addJob(a, Q);
        const outcomes = await Promise.all([control(a).cancel(Q, job.id, 'a', NOW), control(b).cancel(Q, job.id, 'b', NOW)]);
        expect(outcomes.map((o) => o.kind).sort()).toEqual(['failed', 'finished']);
      }
    });

    it('a cancel racing the job becoming active either fails it or requests the cancel', async () => {
      const a = fresh();
      const b = stores.open();
      for (let round = 0; round < 10; round++) {
        const job = await addJob(a, Q);
        const [outcome] = await Promise.all([control(a).cancel(Q, job.id, 'stop', NOW), activate(b, Q, job.id, `t${round}`)]);
        const row = await rowOf(a, Q, job.id);
        if (outcome.kind === 'failed') expect(row.state).toBe('failed');
        else expect(outcome.kind).toBe('requested');
        // Never both lost: an active job here always carries the request.
        if (row.state === 'active') expect((await control(a).cancelRequests(Q)).map((r) => r.id)).toContain(job.id);
      }
    });
  });
});
