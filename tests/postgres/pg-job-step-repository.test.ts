import { afterEach, describe, expect, it } from 'vitest';
import { PgJobStepRepository } from '../../src_refactored/infrastructure/persistence/postgres/pg-job-step-repository.js';
import { activate, addJob, rowOf } from './pg-job-seeding.js';
import { BACKENDS, TestStores } from './pg-test-stores.js';

const Q = 'steps';

describe.each(BACKENDS)('PgJobStepRepository on %s', (backend) => {
  let stores: TestStores;
  afterEach(() => stores.close());
  const open = () => {
    stores = new TestStores(backend);
    const store = stores.open();
    return { store, steps: new PgJobStepRepository(store) };
  };

  it('moveToDelayed: delayed when runAt is ahead, ready otherwise, behind the queue; fenced by the lock token', async () => {
    const { store, steps } = open();
    const a = await addJob(store, Q);
    const b = await addJob(store, Q, { priority: 3 });
    await addJob(store, Q);
    await activate(store, Q, a.id, 'tok-a');
    await activate(store, Q, b.id, 'tok-b');

    expect(await steps.moveToDelayed({ queue: Q, id: a.id, token: 'wrong' }, 5_000, 1_000)).toBe(false);
    expect(await steps.moveToDelayed({ queue: Q, id: a.id, token: 'tok-a' }, 5_000, 1_000)).toBe(true);
    expect(await rowOf(store, Q, a.id)).toMatchObject({ state: 'delayed', run_at: 5_000, lock_token: null });

    expect(await steps.moveToDelayed({ queue: Q, id: b.id, token: 'tok-b' }, 1_000, 1_000)).toBe(true);
    const moved = await rowOf(store, Q, b.id);
    expect(moved).toMatchObject({ state: 'prioritized', run_at: null });
    // A fresh sequence number: after every job already in the queue.
    expect(moved.seq).toBeGreaterThan(3);
  });

  it('moveToWait: back to its ready state; a LIFO job keeps its place at the front', async () => {
    const { store, steps } = open();
    const lifo = await addJob(store, Q, { lifo: true });
    await activate(store, Q, lifo.id, 't');
    expect(await steps.moveToWait({ queue: Q, id: lifo.id, token: 't' })).toBe(true);
    const row = await rowOf(store, Q, lifo.id);
    expect(row.state).toBe('waiting');
    expect(row.seq).toBeLessThan(0);
    expect(await steps.moveToWait({ queue: Q, id: lifo.id, token: 't' })).toBe(false);
  });

  it('changeDelay applies to delayed jobs only', async () => {
    const { store, steps } = open();
    const delayed = await addJob(store, Q, { delay: 10_000 });
    const waiting = await addJob(store, Q);
    expect(await steps.changeDelay(Q, delayed.id, 2_500, 7_000)).toBe(true);
    expect(await rowOf(store, Q, delayed.id)).toMatchObject({ state: 'delayed', delay: 2_500, run_at: 9_500 });
    expect(await steps.changeDelay(Q, waiting.id, 2_500, 7_000)).toBe(false);
    expect(await steps.changeDelay(Q, 'nope', 2_500, 7_000)).toBe(false);
  });

  it('changePriority moves a ready job between waiting and prioritized, keeps other states, refuses finished jobs', async () => {
    const { store, steps } = open();
    const job = await addJob(store, Q);
    const delayed = await addJob(store, Q, { delay: 10_000 });
    expect(await steps.changePriority(Q, job.id, 7, false)).toBe(true);
    expect(await rowOf(store, Q, job.id)).toMatchObject({ state: 'prioritized', priority: 7 });
    expect(await steps.changePriority(Q, job.id, 0, true)).toBe(true);
    const back = await rowOf(store, Q, job.id);
    expect(back.state).toBe('waiting');
    expect(back.seq).toBeLessThan(0);
    expect(await steps.changePriority(Q, delayed.id, 2, false)).toBe(true);
    expect(await rowOf(store, Q, delayed.id)).toMatchObject({ state: 'delayed', priority: 2 });
    await store.connection.query(`UPDATE jobs SET state = 'completed' WHERE queue = $1 AND job_id = $2`, [Q, job.id]);
    expect(await steps.changePriority(Q, job.id, 1, false)).toBe(false);
  });
});
