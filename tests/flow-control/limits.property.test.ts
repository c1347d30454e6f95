import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { openSqliteDatabase } from '../../src_refactored/infrastructure/persistence/drizzle/sqlite-database.js';
import { SqliteJobRepository } from '../../src_refactored/infrastructure/persistence/drizzle/sqlite-job-repository.js';
import { SqliteFlowControlRepository } from '../../src_refactored/infrastructure/persistence/drizzle/sqlite-flow-control-repository.js';

const GROUPS = ['a', 'b', 'c', undefined] as const;

type Op =
  | { op: 'add'; group: number; priority: number }
  | { op: 'claim'; limit: number; worker: number }
  | { op: 'complete'; pick: number }
  | { op: 'advance'; ms: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('add' as const), group: fc.nat({ max: GROUPS.length - 1 }), priority: fc.constantFrom(0, 0, 3) }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('claim' as const), limit: fc.integer({ min: 1, max: 5 }), worker: fc.nat({ max: 2 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constant('complete' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('advance' as const), ms: fc.oneof(fc.integer({ min: 1, max: 700 }), fc.constantFrom(99, 100, 499, 500, 999, 1000)) }) },
);

const limitsArb = fc.record({
  global: fc.option(fc.integer({ min: 1, max: 4 }), { nil: null }),
  groupDefault: fc.option(fc.integer({ min: 1, max: 2 }), { nil: null }),
  override: fc.option(fc.integer({ min: 1, max: 3 }), { nil: null }),
  // Only per-worker limiters or one queue-wide limit; max 1 so "per window" is also "per any span of `duration`".
  rate: fc.option(fc.record({ max: fc.constant(1), duration: fc.constantFrom(100, 500, 1000) }), { nil: null }),
});

/**
 * Random adds, claims by three "workers", completions and clock moves against the real SQLite adapter,
 * with random limits. After every step: active jobs never exceed the global limit or any group's limit,
 * no two starts fall within one limiter duration, and a claim that finds an eligible job never comes back
 * empty (limits hold jobs back, they do not lose them).
 */
describe('flow-control limits (property)', () => {
  it('never exceeds global, group or rate limits, and never starves an eligible job', async () => {
    await fc.assert(
      fc.asyncProperty(limitsArb, fc.array(opArb, { minLength: 1, maxLength: 60 }), async (limits, ops) => {
        const db = openSqliteDatabase(':memory:');
        const repo = new SqliteJobRepository(db);
        const control = new SqliteFlowControlRepository(db);
        let now = 1_000;
        let tokens = 0;
        const active: { id: string; token: string; group: string | undefined }[] = [];
        const ready: { group: string | undefined }[] = [];
        const starts: number[] = [];
        const groupOf = new Map<string, string | undefined>();
        await control.setGlobalConcurrency('q', limits.global);
        await control.setGroupConcurrency('q', limits.groupDefault);
        if (limits.override !== null) await control.setGroupConcurrency('q', limits.override, 'a');
        const limitOf = (g: string | undefined) => (g === undefined ? Infinity : (g === 'a' ? limits.override : null) ?? limits.groupDefault ?? Infinity);
        try {
          for (const step of ops) {
            switch (step.op) {
              case 'add': {
                const group = GROUPS[step.group];
                const [r] = await repo.insert(
                  [{ queue: 'q', name: 'n', dataJson: '{}', opts: {}, priority: step.priority, lifo: false, delay: 0, maxAttempts: 1, groupId: group }],
                  now,
                );
                groupOf.set(r.record.id, group);
                ready.push({ group });
                break;
              }
              case 'claim': {
                const token = `t${++tokens}`;
                const request = { queue: 'q', token, limit: step.limit, lockMs: 60_000, workerName: null, ...(limits.rate ? { limiter: limits.rate } : {}) };
                const windowOpen = limits.rate !== null && starts.length > 0 && now - starts[starts.length - 1] < limits.rate.duration;
                const globalFree = limits.global === null || active.length < limits.global;
                const eligible = ready.some((j) => active.filter((a) => a.group === j.group).length < limitOf(j.group));
                const claimed = await repo.claim(request, now);
                if (!windowOpen && globalFree && eligible) expect(claimed.length).toBeGreaterThan(0);
                for (const job of claimed) {
                  const group = groupOf.get(job.id);
                  active.push({ id: job.id, token, group });
                  ready.splice(ready.findIndex((j) => j.group === group), 1);
                  starts.push(now);
                }
                break;
              }
              case 'complete': {
                if (active.length === 0) break;
                const [done] = active.splice(step.pick % active.length, 1);
                const { accepted } = await repo.settle([{ kind: 'complete', queue: 'q', id: done.id, token: done.token, returnvalueJson: 'null', retention: {} }], now);
                expect(accepted).toEqual([true]);
                break;
              }
              case 'advance':
                now += step.ms;
                break;
            }
            if (limits.global !== null) expect(active.length).toBeLessThanOrEqual(limits.global);
            for (const g of GROUPS) expect(active.filter((a) => a.group === g).length).toBeLessThanOrEqual(limitOf(g));
            if (limits.rate !== null) {
              for (let i = 1; i < starts.length; i++) expect(starts[i] - starts[i - 1]).toBeGreaterThanOrEqual(limits.rate.duration);
            }
          }
        } finally {
          db.close();
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe('limiter window boundaries', () => {
  it('allows max starts in [start, start + duration) and the next one exactly at start + duration', async () => {
    const db = openSqliteDatabase(':memory:');
    const repo = new SqliteJobRepository(db);
    const jobs = Array.from({ length: 5 }, () => ({ queue: 'q', name: 'n', dataJson: '{}', opts: {}, priority: 0, lifo: false, delay: 0, maxAttempts: 1 }));
    await repo.insert(jobs, 0);
    let tokens = 0;
    const claim = async (now: number) => {
      const request = { queue: 'q', token: `t${++tokens}`, limit: 5, lockMs: 60_000, workerName: null, limiter: { max: 2, duration: 1000 } };
      return (await repo.settle([], now, request)).claimed.length;
    };
    expect(await claim(5_000)).toBe(2);
    expect(await claim(5_999)).toBe(0);
    expect((await repo.settle([], 5_999, { queue: 'q', token: 'x', limit: 1, lockMs: 1, workerName: null, limiter: { max: 2, duration: 1000 } })).claimBlockedUntil).toBe(6_000);
    expect(await claim(6_000)).toBe(2);
    db.close();
  });
});
