import { afterEach, describe, expect, it } from 'vitest';
import type { JobTemplate } from '../../src_refactored/core/application/ports/job-scheduler-repository.port.js';
import { repeatIterationPlanner } from '../../src_refactored/core/application/services/repeat-iteration-planner.js';
import { plainCodec } from '../../src_refactored/infrastructure/persistence/codec/payload-codec.js';
import { PgJobRepository } from '../../src_refactored/infrastructure/persistence/postgres/pg-job-repository.js';
import { PgJobSchedulerRepository } from '../../src_refactored/infrastructure/persistence/postgres/pg-job-scheduler-repository.js';
import type { PgStore } from '../../src_refactored/infrastructure/persistence/postgres/pg-store.js';
import { BACKENDS, PG_URL, TestStores } from './pg-test-stores.js';

const Q = 'ticks';
const T0 = 1_700_000_000_000;
const template: JobTemplate = { name: 'tick', data: { n: 1 }, opts: {} };

/** What one process holds: its own store (pool), the scheduler repository and a job repository calling afterClaim. */
function processOn(store: PgStore) {
  const schedulers = new PgJobSchedulerRepository(store, repeatIterationPlanner, plainCodec);
  const jobs = new PgJobRepository(store, (claimed, now) => schedulers.afterClaim(claimed, now), plainCodec);
  return { store, schedulers, jobs };
}

/** The scheduler's jobs not yet started. */
async function pendingJobs(store: PgStore, schedulerId: string): Promise<string[]> {
  const rows = await store.connection.query<{ job_id: string }>(
    `SELECT job_id FROM jobs WHERE queue = $1 AND job_id LIKE $2 AND state IN ('delayed', 'waiting', 'prioritized') ORDER BY job_id`,
    [Q, `repeat:${schedulerId}:%`],
  );
  return rows.map((r) => r.job_id);
}

const claimAll = (p: ReturnType<typeof processOn>, now: number, token: string) =>
  p.jobs.claim({ queue: Q, token, limit: 10, lockMs: 30_000, workerName: null }, now);

describe.each(BACKENDS)('PgJobSchedulerRepository on %s', (backend) => {
  let stores: TestStores;
  afterEach(() => stores.close());
  const open = () => {
    stores ??= new TestStores(backend);
    return processOn(stores.open());
  };
  const fresh = () => {
    stores = new TestStores(backend);
    return processOn(stores.open());
  };

  it('upserts, keeps the pending job for the same definition, replaces it for a new one, lists and removes', async () => {
    const a = fresh();
    const first = await a.schedulers.upsert(Q, 's1', { every: 1000 }, template, T0);
    expect(first).toMatchObject({ created: true, replaced: null, scheduler: { iterationCount: 1 } });
    expect(first.job?.id).toBe(`repeat:s1:${first.scheduler.nextRun}`);

    const same = await a.schedulers.upsert(Q, 's1', { every: 1000 }, template, T0 + 10);
    expect(same).toMatchObject({ created: false, replaced: null });
    expect(same.job?.id).toBe(first.job?.id);

    const changed = await a.schedulers.upsert(Q, 's1', { every: 5000 }, template, T0 + 20);
    expect(changed).toMatchObject({ created: true, replaced: first.job?.id });
    expect(await pendingJobs(a.store, 's1')).toEqual([changed.job?.id]);

    await a.schedulers.upsert(Q, 'B', { every: 500 }, template, T0);
    await a.schedulers.upsert(Q, 'a', { every: 500, limit: 1 }, template, T0);
    expect(await a.schedulers.count(Q)).toBe(3);
    const asc = await a.schedulers.list(Q, 0, -1, true);
    expect(asc.map((s) => s.id)).toEqual(['B', 'a', 's1']);
    expect((await a.schedulers.list(Q, 0, 0, false)).map((s) => s.id)).toEqual(['s1']);
    expect((await a.schedulers.get(Q, 's1'))?.repeat).toEqual({ every: 5000 });

    expect(await a.schedulers.remove(Q, 's1')).toBe(true);
    expect(await a.schedulers.remove(Q, 's1')).toBe(false);
    expect(await pendingJobs(a.store, 's1')).toEqual([]);
    expect(await a.schedulers.get(Q, 's1')).toBeNull();
  });

  it('creates the next iteration in the claim transaction, once per slot', async () => {
    const a = fresh();
    const { scheduler } = await a.schedulers.upsert(Q, 's1', { every: 1000 }, template, T0);
    const due = scheduler.nextRun! + 1;
    await a.jobs.promoteDue(due);
    const claimed = await claimAll(a, due, 't1');
    expect(claimed.map((j) => j.id)).toEqual([`repeat:s1:${scheduler.nextRun}`]);
    const after = await a.schedulers.get(Q, 's1');
    expect(after).toMatchObject({ iterationCount: 2 });
    expect(after!.nextRun).toBeGreaterThan(scheduler.nextRun!);
    expect(await pendingJobs(a.store, 's1')).toEqual([`repeat:s1:${after!.nextRun}`]);
  });

  it('repairs a scheduler whose pending job was removed', async () => {
    const a = fresh();
    const { job } = await a.schedulers.upsert(Q, 's1', { every: 1000 }, template, T0);
    expect(await a.jobs.remove(Q, job!.id, T0)).toBe('removed');
    const repaired = await a.schedulers.repairOrphans(T0 + 5);
    expect(repaired).toHaveLength(1);
    expect(await pendingJobs(a.store, 's1')).toEqual([repaired[0].id]);
    expect(await a.schedulers.repairOrphans(T0 + 6)).toEqual([]);
  });

  // Several pools on one server are several processes; PGlite has a single connection.
  describe.skipIf(backend !== 'postgres' || PG_URL === undefined)('across processes', () => {
    it('concurrent upserts of one new id leave one scheduler and one pending job', async () => {
      const [a, b] = [fresh(), open()];
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).schedulers.upsert(Q, 'same', { every: 1000 }, template, T0 + i)),
      );
      expect(results.filter((r) => r.created).length).toBeGreaterThanOrEqual(1);
      expect(await a.schedulers.count(Q)).toBe(1);
      const { nextRun } = (await a.schedulers.get(Q, 'same'))!;
      expect(await pendingJobs(a.store, 'same')).toEqual([`repeat:same:${nextRun}`]);
    });

    it('concurrent upserts with different definitions leave one pending job, the one the scheduler points at', async () => {
      const [a, b] = [fresh(), open()];
      await Promise.all(
        Array.from({ length: 12 }, (_, i) => (i % 2 ? a : b).schedulers.upsert(Q, 'mixed', { every: 1000 * (1 + (i % 3)) }, template, T0 + i)),
      );
      const { nextRun } = (await a.schedulers.get(Q, 'mixed'))!;
      expect(await pendingJobs(a.store, 'mixed')).toEqual([`repeat:mixed:${nextRun}`]);
    });

    it('an upsert racing the claim of the pending job in another process still leaves exactly one pending job', async () => {
      const [a, b] = [fresh(), open()];
      let now = T0;
      await a.schedulers.upsert(Q, 'race', { every: 1000 }, template, now);
      for (let round = 0; round < 8; round++) {
        now += 10_000;
        await a.jobs.promoteDue(now);
        // Process A claims the due iteration while process B changes the definition.
        await Promise.all([claimAll(a, now, `t${round}`), b.schedulers.upsert(Q, 'race', { every: 1000 + (round % 2) * 500 }, template, now)]);
        const { nextRun } = (await a.schedulers.get(Q, 'race'))!;
        expect(await pendingJobs(a.store, 'race')).toEqual([`repeat:race:${nextRun}`]);
      }
    });

    it('two processes repairing at once create one job', async () => {
      const [a, b] = [fresh(), open()];
      const { job } = await a.schedulers.upsert(Q, 'orphan', { every: 1000 }, template, T0);
      await a.jobs.remove(Q, job!.id, T0);
      const [ra, rb] = await Promise.all([a.schedulers.repairOrphans(T0 + 5), b.schedulers.repairOrphans(T0 + 5)]);
      expect(ra.length + rb.length).toBe(1);
      expect(await pendingJobs(a.store, 'orphan')).toHaveLength(1);
    });

    it('a remove racing an upsert in another process leaves either nothing or one scheduler with one pending job', async () => {
      const [a, b] = [fresh(), open()];
      for (let round = 0; round < 6; round++) {
        await a.schedulers.upsert(Q, 'gone', { every: 1000 }, template, T0 + round);
        await Promise.all([a.schedulers.remove(Q, 'gone'), b.schedulers.upsert(Q, 'gone', { every: 2000 }, template, T0 + round)]);
        const scheduler = await a.schedulers.get(Q, 'gone');
        expect(await pendingJobs(a.store, 'gone')).toEqual(scheduler === null ? [] : [`repeat:gone:${scheduler.nextRun}`]);
      }
    });
  });
});
