import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { ClaimRequest, JobRecord, NewJob } from '../../src_refactored/core/application/ports/job-record.js';
import { buildNewJob } from '../../src_refactored/core/application/services/new-job.js';
import type { JobsOptions } from '../../src_refactored/core/domain/job/job-options.js';
import { PgJobRepository } from '../../src_refactored/infrastructure/persistence/postgres/pg-job-repository.js';
import { BACKENDS, PG_URL, TestStores } from './pg-test-stores.js';

const now = 1_000_000;
const job = (opts: JobsOptions = {}, queue = 'q'): NewJob => buildNewJob(queue, 'n', '{}', opts);
const request = (limit: number, queue = 'q'): ClaimRequest => ({ queue, token: randomUUID(), limit, lockMs: 60_000, workerName: 'w' });
const complete = (j: JobRecord) => ({ kind: 'complete' as const, queue: j.queue, id: j.id, token: j.lockToken!, returnvalueJson: '"ok"', retention: {} });

/**
 * The write and admin side of the PostgreSQL job repository beyond the shared contract: deduplication,
 * dependency edges, dead letters, listing and the admin calls, on each backend; then, on the server, the
 * same decisions taken by several sessions at once (several pools on one schema, as several processes).
 */
describe.each(BACKENDS)('PostgreSQL writer and admin (%s)', (backend) => {
  let stores: TestStores;
  const open = () => {
    stores = new TestStores(backend);
    return new PgJobRepository(stores.open());
  };
  afterEach(async () => stores.close());

  it('deduplicates by key while the job is unfinished, then accepts the key again', async () => {
    const repo = open();
    const [first] = await repo.insert([job({ deduplication: { id: 'k' } })], now);
    const [second] = await repo.insert([job({ deduplication: { id: 'k' } })], now);
    expect(second.record.id).toBe(first.record.id);
    expect(second.deduplicatedJobId).toBe('2');
    const [claimed] = await repo.claim(request(1), now);
    await repo.settle([complete(claimed)], now);
    const [third] = await repo.insert([job({ deduplication: { id: 'k' } })], now);
    expect(third.record.id).not.toBe(first.record.id);
  });

  it('a flow parent waits for its children and runs when the last one completes', async () => {
    const repo = open();
    await repo.insert([{ ...job(), customId: 'P', waitChildren: true }], now);
    await repo.insert([job({ parent: { queue: 'q', id: 'P' } }), job({ parent: { queue: 'q', id: 'P' } })], now);
    expect(await repo.getState('q', 'P')).toBe('waiting-children');
    const children = await repo.claim(request(2), now);
    expect(children.map((c) => c.id)).toEqual(['1', '2']);
    await repo.settle([complete(children[0])], now);
    expect(await repo.getState('q', 'P')).toBe('waiting-children');
    const result = await repo.settle([complete(children[1])], now);
    expect(await repo.getState('q', 'P')).toBe('waiting');
    expect(result.effects).toContainEqual({ queue: 'q', event: 'waiting', args: { jobId: 'P', prev: 'waiting-children' } });
  });

  it('a dependency failing fails its dependent, which is copied to its dead letter queue', async () => {
    const repo = open();
    const [dep] = await repo.insert([job()], now);
    const [dependent] = await repo.insert([job({ dependsOn: [dep.record.id], deadLetter: { queue: 'dlq' } })], now);
    expect(dependent.record.state).toBe('waiting-children');
    const [claimed] = await repo.claim(request(1), now);
    await repo.settle([{ kind: 'fail', queue: 'q', id: claimed.id, token: claimed.lockToken!, failedReason: 'boom', stacktrace: [], retention: {} }], now);
    const failed = await repo.findById('q', dependent.record.id);
    expect(failed?.state).toBe('failed');
    expect(failed?.failedReason).toBe(`dependency q:${dep.record.id} failed`);
    const [letter] = await repo.list('dlq', ['waiting'], 0, -1, true);
    expect((letter.data as { source: { id: string } }).source.id).toBe(dependent.record.id);
  });

  it('an unknown dependency rejects the whole batch', async () => {
    const repo = open();
    await expect(repo.insert([job(), job({ dependsOn: ['nope'] })], now)).rejects.toThrow(/Missing dependency job q:nope/);
    expect(await repo.countByStates('q', [])).toMatchObject({ waiting: 0 });
  });

  it('a batch of plain jobs keeps its order, reports duplicate custom ids and notes its groups', async () => {
    const repo = open();
    await repo.insert([{ ...job(), customId: 'old' }], now);
    const batch = await repo.insert(
      [{ ...job(), customId: 'old' }, job({ priority: 2 }), { ...job(), customId: 'twice' }, { ...job(), customId: 'twice' }, job({ delay: 5 }), { ...job(), groupId: 'g' }],
      now,
    );
    expect(batch.map((r) => [r.record.id, r.record.state, r.duplicated])).toEqual([
      ['old', 'waiting', true],
      ['1', 'prioritized', false],
      ['twice', 'waiting', false],
      ['twice', 'waiting', true],
      ['2', 'delayed', false],
      ['3', 'waiting', false],
    ]);
    expect(await repo.findById('q', '2')).toMatchObject({ runAt: now + 5 });
    // The queue now claims through the group rotation: ungrouped jobs and group g take turns.
    expect((await repo.claim(request(3), now)).map((j) => j.groupId)).toContain('g');
  });

  it('lists each state in its natural order and counts finished jobs from the kept counts', async () => {
    const repo = open();
    await repo.insert([job(), job(), job({ delay: 500 }), job({ delay: 100 }), job({ priority: 3 })], now);
    const [a, b] = await repo.claim(request(2), now);
    await repo.settle([complete(b)], now + 1);
    await repo.settle([complete(a)], now + 2);
    const listed = await repo.list('q', ['completed', 'delayed', 'prioritized'], 0, -1, false);
    expect(listed.map((j) => `${j.state}:${j.id}`)).toEqual(['completed:1', 'completed:2', 'delayed:3', 'delayed:4', 'prioritized:5']);
    expect((await repo.list('q', ['delayed'], 0, 0, true)).map((j) => j.id)).toEqual(['4']);
    expect(await repo.countByStates('q', ['completed', 'delayed', 'waiting'])).toEqual({ completed: 2, delayed: 2, waiting: 0 });
  });

  it('drain, clean and obliterate', async () => {
    const repo = open();
    await repo.insert([job(), job(), job({ delay: 10 })], now);
    expect(await repo.drain('q', false)).toBe(2);
    expect(await repo.clean('q', 0, 0, 'delayed', now)).toEqual(['3']);
    await repo.insert([job(), job()], now);
    await repo.claim(request(1), now);
    expect(await repo.obliterate('q', false)).toBe('active');
    expect(await repo.obliterate('q', true)).toBe('done');
    const [fresh] = await repo.insert([job()], now);
    expect(fresh.record.id).toBe('1');
  });
});

describe.skipIf(PG_URL === undefined)('PostgreSQL writer and admin from several sessions at once', () => {
  let stores: TestStores;
  const openMany = (n: number) => {
    stores = new TestStores('postgres');
    return Array.from({ length: n }, () => new PgJobRepository(stores.open()));
  };
  afterEach(async () => stores.close());

  it('concurrent adds get distinct ids and are claimed in the order their batches committed', async () => {
    const repos = openMany(4);
    const results = await Promise.all(repos.flatMap((repo) => Array.from({ length: 5 }, () => repo.insert([job(), job()], now))));
    const ids = results.flat().map((r) => Number(r.record.id));
    expect(new Set(ids).size).toBe(40);
    expect(Math.max(...ids)).toBe(40);
    const claimed = await repos[0].claim(request(40), now);
    // Each batch's two jobs are adjacent in claim order: no batch interleaves with another.
    const batchOf = new Map(results.flatMap((batch, i) => batch.map((r) => [r.record.id, i] as const)));
    for (let k = 0; k < 40; k += 2) expect(batchOf.get(claimed[k].id)).toBe(batchOf.get(claimed[k + 1].id));
  });

  it('concurrent adds with one deduplication key or one custom id store one job', async () => {
    const repos = openMany(4);
    const deduped = await Promise.all(repos.flatMap((repo) => [1, 2, 3].map(() => repo.insert([job({ deduplication: { id: 'k', ttl: 60_000 } })], now))));
    expect(new Set(deduped.map(([r]) => r.record.id)).size).toBe(1);
    const custom = await Promise.all(repos.flatMap((repo) => [1, 2, 3].map(() => repo.insert([{ ...job(), customId: 'same' }], now))));
    expect(custom.filter(([r]) => !r.duplicated)).toHaveLength(1);
    expect((await repos[0].countByStates('q', ['waiting'])).waiting).toBe(2);
  });

  // The finishing UPDATE's EXISTS probe reads job_dependencies with the snapshot taken before it waited
  // for the adder's lock on the dependency: without jobs.dependents it missed the edge (3 runs in 3).
  it('a dependent added while its dependency completes never waits for ever', async () => {
    const [adder, worker] = openMany(2);
    for (let round = 0; round < 15; round++) {
      const [dep] = await adder.insert([job()], now);
      const [claimed] = await worker.claim(request(1), now);
      const [, [dependent]] = await Promise.all([worker.settle([complete(claimed)], now), adder.insert([job({ dependsOn: [dep.record.id] })], now)]);
      expect(await adder.getState('q', dependent.record.id)).toBe('waiting');
      await adder.remove('q', dependent.record.id, now);
    }
  });

  it('two schedulers promoting at once move each due job once, in due order', async () => {
    const [a, b] = openMany(2);
    await a.insert(Array.from({ length: 50 }, (_, i) => job({ delay: 100 + i })), now);
    const [pa, pb] = await Promise.all([a.promoteDue(now + 1_000), b.promoteDue(now + 1_000)]);
    const ids = [...pa, ...pb].flatMap((p) => p.ids);
    expect(new Set(ids).size).toBe(50);
    const claimed = await a.claim(request(50), now + 1_000);
    expect(claimed.map((j) => Number(j.id))).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
  });

  it('removing a flow subtree while workers claim never removes an active job', async () => {
    const [admin, worker] = openMany(2);
    for (let round = 0; round < 10; round++) {
      const parentId = `P${round}`;
      await admin.insert([{ ...job(), customId: parentId, waitChildren: true }], now);
      await admin.insert([job({ parent: { queue: 'q', id: parentId } })], now);
      const [outcome, claimed] = await Promise.all([admin.remove('q', parentId, now), worker.claim(request(1), now)]);
      // Either the removal locked the subtree first (the claim skips it) or it found the child active.
      expect(outcome === 'removed' ? claimed : outcome).toEqual(outcome === 'removed' ? [] : 'locked');
      if (claimed.length === 1) await worker.settle([complete(claimed[0])], now);
      await admin.remove('q', parentId, now);
    }
  });

  it('an obliterate racing a claim either refuses or leaves the claim nothing: an active job is never deleted', async () => {
    const [admin, worker] = openMany(2);
    for (let round = 0; round < 10; round++) {
      await admin.insert([job(), job(), job()], now);
      const [outcome, claimed] = await Promise.all([admin.obliterate('q', false), worker.claim(request(1), now)]);
      expect(outcome === 'done' ? claimed : outcome).toEqual(outcome === 'done' ? [] : 'active');
      if (claimed.length === 1) expect(await worker.getState('q', claimed[0].id)).toBe('active');
      await admin.obliterate('q', true);
    }
  });
});
