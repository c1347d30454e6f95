import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ClaimRequest, JobRecord, NewJob } from '../../src_refactored/core/application/ports/job-record.js';
import { PgJobRepository } from '../../src_refactored/infrastructure/persistence/postgres/pg-job-repository.js';
import { PgStore } from '../../src_refactored/infrastructure/persistence/postgres/pg-store.js';

const PG_URL = process.env.BULLITE_TEST_PG_URL;

/**
 * Four stores on one schema are four connection pools: four sessions whose transactions really overlap
 * on the server, as four engine processes would. Each round, all four claim at the same moment; the
 * queue's limits must hold for their sum, not for each one alone.
 */
describe.skipIf(PG_URL === undefined)('PostgreSQL claims from four sessions at once respect the queue limits', () => {
  const now = 1_000_000;
  let schema: string;
  let stores: PgStore[];
  let repos: PgJobRepository[];

  beforeEach(async () => {
    schema = `test_${randomUUID().replaceAll('-', '')}`;
    stores = Array.from({ length: 4 }, () => new PgStore({ connectionString: PG_URL, schema }));
    await Promise.all(stores.map((s) => s.ready));
    repos = stores.map((s) => new PgJobRepository(s));
  });

  afterEach(async () => {
    await stores[0].connection.query(`DROP SCHEMA "${schema}" CASCADE`);
    await Promise.all(stores.map((s) => s.close()));
  });

  const job = (over: Partial<NewJob> = {}): NewJob => ({
    queue: 'q', name: 'n', dataJson: '{}', opts: {}, priority: 0, lifo: false, delay: 0, maxAttempts: 1, ...over,
  });
  const request = (i: number, limit: number, over: Partial<ClaimRequest> = {}): ClaimRequest => ({
    queue: 'q', token: `w${i}-${randomUUID()}`, limit, lockMs: 60_000, workerName: `w${i}`, ...over,
  });
  const claimAll = (limit: number, at: number, over: Partial<ClaimRequest> = {}) =>
    Promise.all(repos.map((repo, i) => repo.claim(request(i, limit, over), at)));
  const completeAll = (held: JobRecord[][], at: number) =>
    Promise.all(
      held.map((jobs, i) =>
        repos[i].settle(jobs.map((j) => ({ kind: 'complete' as const, queue: 'q', id: j.id, token: j.lockToken!, returnvalueJson: 'null', retention: {} })), at),
      ),
    );
  const activeCount = async () => (await repos[0].countByStates('q', ['active'])).active;

  it('global concurrency: the four claim exactly the free slots between them, round after round', async () => {
    await repos[0].insert(Array.from({ length: 30 }, () => job()), now);
    await stores[0].connection.query(`UPDATE "${schema}".queues SET global_concurrency = 3 WHERE name = 'q'`);
    for (let round = 0; round < 5; round++) {
      const held = await claimAll(3, now + round);
      expect(held.flat()).toHaveLength(3);
      expect(await activeCount()).toBe(3);
      expect(await claimAll(3, now + round)).toEqual([[], [], [], []]);
      await completeAll(held, now + round);
    }
  });

  it('rate limit: at most `max` claims per window across all sessions, the rest told when to come back', async () => {
    await repos[0].insert(Array.from({ length: 30 }, () => job()), now);
    const limiter = { max: 5, duration: 1000 };
    expect((await claimAll(4, now, { limiter })).flat()).toHaveLength(5);
    const blocked = await Promise.all(repos.map((repo, i) => repo.settle([], now + 10, request(i, 4, { limiter }))));
    expect(blocked.map((r) => [r.claimed.length, r.claimBlockedUntil])).toEqual(Array(4).fill([0, now + 1000]));
    expect((await claimAll(4, now + 1000, { limiter })).flat()).toHaveLength(5);
  });

  it('rate limit: a claim whose clock reading is older than the open window counts in that window', async () => {
    await repos[0].insert(Array.from({ length: 5 }, () => job()), now);
    const limiter = { max: 1, duration: 1000 };
    expect(await repos[0].claim(request(0, 1, { limiter }), now + 1050)).toHaveLength(1);
    // Read its `now` before the claim above committed (it waited for the queue row): no second start.
    const late = await repos[1].settle([], now + 300, request(1, 1, { limiter }));
    expect([late.claimed.length, late.claimBlockedUntil]).toEqual([0, now + 2050]);
    expect(await repos[1].claim(request(1, 1, { limiter }), now + 2050)).toHaveLength(1);
  });

  it('group concurrency: no group runs more jobs than its limit, whoever claims', async () => {
    await repos[0].insert(
      Array.from({ length: 40 }, (_, i) => job({ groupId: i % 2 === 0 ? 'a' : 'b' })),
      now,
    );
    const held = await claimAll(4, now, { groupConcurrency: 2 });
    const groups = held.flat().map((j) => j.groupId);
    expect(groups.sort()).toEqual(['a', 'a', 'b', 'b']);
    expect((await claimAll(4, now, { groupConcurrency: 2 })).flat()).toEqual([]);
    await completeAll(held, now);
    expect((await claimAll(4, now, { groupConcurrency: 2 })).flat()).toHaveLength(4);
  });
});
