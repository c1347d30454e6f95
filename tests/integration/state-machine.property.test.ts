import { sweepStalledNow } from '../support/stalled-sweep.js';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { openSqliteDatabase } from '../../src_refactored/infrastructure/persistence/drizzle/sqlite-database.js';
import { SqliteJobRepository } from '../../src_refactored/infrastructure/persistence/drizzle/sqlite-job-repository.js';
import { SqliteQueueRepository } from '../../src_refactored/infrastructure/persistence/drizzle/sqlite-queue-repository.js';
import { JOB_STATES, type JobState } from '../../src_refactored/core/domain/job/job-state.js';
import { canTransition } from '../../src_refactored/core/domain/job/job-transitions.js';

type Op =
  | { op: 'add'; priority: number; delay: number; lifo: boolean }
  | { op: 'claim'; limit: number }
  | { op: 'complete' | 'fail' | 'retryNow' | 'retryLater' | 'stale'; pick: number }
  | { op: 'advance'; ms: number }
  | { op: 'promoteDue' | 'recoverStalled' | 'pause' | 'resume' | 'retryAll' | 'promoteAll' }
  | { op: 'remove' | 'retryOne' | 'promoteOne'; pick: number };

// Weighted so that jobs flow through every state often: adds, claims and settles dominate.
const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('add' as const), priority: fc.constantFrom(0, 0, 1, 7), delay: fc.constantFrom(0, 0, 50, 500), lifo: fc.boolean() }) },
  { weight: 4, arbitrary: fc.record({ op: fc.constant('claim' as const), limit: fc.integer({ min: 1, max: 4 }) }) },
  { weight: 5, arbitrary: fc.record({ op: fc.constantFrom('complete' as const, 'fail' as const, 'retryNow' as const, 'retryLater' as const, 'stale' as const), pick: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('advance' as const), ms: fc.integer({ min: 1, max: 2000 }) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constantFrom('promoteDue' as const, 'recoverStalled' as const, 'pause' as const, 'resume' as const, 'retryAll' as const, 'promoteAll' as const) }) },
  { weight: 3, arbitrary: fc.record({ op: fc.constantFrom('remove' as const, 'retryOne' as const, 'promoteOne' as const), pick: fc.nat() }) },
);

/**
 * Random operation sequences against the real SQLite adapter. After every step: each job that was added
 * and not removed is in exactly one state, the per-state counts add up, and every state change it went
 * through is an edge of the domain's ALLOWED_TRANSITIONS table.
 */
describe('job state machine (property)', () => {
  it('never loses a job, never shows it in two states, only takes allowed transitions', async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(opArb, { minLength: 1, maxLength: 60, size: 'max' }), async (ops) => {
        runs += 1;
        const db = openSqliteDatabase(':memory:');
        const repo = new SqliteJobRepository(db);
        const queues = new SqliteQueueRepository(db);
        let now = 1_000;
        const known = new Map<string, JobState>();
        const held: { id: string; token: string }[] = [];
        let tokens = 0;
        try {
          for (const step of ops) {
            const take = (pick: number) => (held.length === 0 ? undefined : held.splice(pick % held.length, 1)[0]);
            const ids = [...known.keys()];
            const anyId = (pick: number) => ids[pick % Math.max(1, ids.length)];
            switch (step.op) {
              case 'add': {
                const [r] = await repo.insert([{ queue: 'q', name: 'n', dataJson: '{}', opts: {}, priority: step.priority, lifo: step.lifo, delay: step.delay, maxAttempts: 3 }], now);
                known.set(r.record.id, r.record.state);
                break;
              }
              case 'claim': {
                const token = `t${++tokens}`;
                for (const j of await repo.claim({ queue: 'q', token, limit: step.limit, lockMs: 1000, workerName: null }, now)) held.push({ id: j.id, token });
                break;
              }
              case 'complete':
              case 'fail':
              case 'retryNow':
              case 'retryLater':
              case 'stale': {
                const h = take(step.pick);
                if (h === undefined) break;
                const ref = { queue: 'q', id: h.id, token: step.op === 'stale' ? 'nope' : h.token };
                const cmd =
                  step.op === 'complete' || step.op === 'stale'
                    ? { kind: 'complete' as const, ...ref, returnvalueJson: '1', retention: {} }
                    : step.op === 'fail'
                      ? { kind: 'fail' as const, ...ref, failedReason: 'x', stacktrace: [], retention: {} }
                      : { kind: 'retry' as const, ...ref, failedReason: 'x', stacktrace: [], runAt: step.op === 'retryLater' ? now + 100 : null };
                await repo.settle([cmd], now);
                break;
              }
              case 'advance':
                now += step.ms;
                break;
              case 'promoteDue':
                await repo.promoteDue(now);
                break;
              case 'recoverStalled':
                await sweepStalledNow(repo, 'q', now, 1);
                break;
              case 'pause':
              case 'resume':
                await queues.setPaused('q', step.op === 'pause');
                break;
              case 'retryAll':
                await repo.retryJobs('q', 'failed', 10, now);
                break;
              case 'promoteAll':
                await repo.promoteJobs('q', 10);
                break;
              case 'remove':
                if (ids.length > 0 && (await repo.remove('q', anyId(step.pick), now)) === 'removed') known.delete(anyId(step.pick));
                break;
              case 'retryOne': {
                const finished = ids.filter((id) => known.get(id) === 'completed' || known.get(id) === 'failed');
                const id = finished[step.pick % Math.max(1, finished.length)];
                if (id !== undefined) await repo.retryJob('q', id, known.get(id) as 'completed' | 'failed', step.pick % 2 === 0);
                break;
              }
              case 'promoteOne':
                if (ids.length > 0) await repo.promote('q', anyId(step.pick));
                break;
            }
            // Invariants after every step.
            const counts = await repo.countByStates('q', []);
            const total = JOB_STATES.reduce((sum, s) => sum + counts[s], 0);
            expect(total).toBe(known.size);
            const listed = await repo.list('q', [], 0, -1, true);
            expect(new Set(listed.map((j) => j.id)).size).toBe(listed.length);
            expect(listed.length).toBe(known.size);
            for (const job of listed) {
              const before = known.get(job.id);
              expect(before, `job ${job.id} appeared from nowhere`).toBeDefined();
              if (before !== job.state) expect(canTransition(before!, job.state), `${before} -> ${job.state} (${step.op})`).toBe(true);
              known.set(job.id, job.state);
            }
          }
        } finally {
          db.close();
        }
      }),
      { numRuns: 150 },
    );
    expect(runs).toBeGreaterThanOrEqual(150);
  });
});
