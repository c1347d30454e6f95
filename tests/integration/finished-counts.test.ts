import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openSqliteDatabase } from '../../src_refactored/infrastructure/persistence/drizzle/sqlite-database.js';

const STATES = ['waiting', 'prioritized', 'delayed', 'active', 'waiting-children', 'completed', 'failed'] as const;

type Op =
  | { kind: 'insert'; queue: string; state: (typeof STATES)[number] }
  | { kind: 'move'; pick: number; state: (typeof STATES)[number] }
  | { kind: 'delete'; pick: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), queue: fc.constantFrom('a', 'b'), state: fc.constantFrom(...STATES) }),
  fc.record({ kind: fc.constant('move' as const), pick: fc.nat(), state: fc.constantFrom(...STATES) }),
  fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }),
);

/**
 * Count retention trusts finished_counts (kept by triggers) to know how many finished jobs to delete.
 * Whatever sequence of inserts, state changes and deletes runs on `jobs`, by any code path, the
 * counts must equal a real count.
 */
describe('finished_counts triggers', () => {
  it('equal a real count of completed and failed jobs after any sequence of writes', () => {
    fc.assert(
      fc.property(fc.array(opArb, { maxLength: 40 }), (ops) => {
        const db = openSqliteDatabase(':memory:');
        try {
          let next = 1;
          const ids = () => db.prepare('SELECT id FROM jobs ORDER BY id').pluck().all() as number[];
          for (const op of ops) {
            if (op.kind === 'insert') {
              db.prepare(
                `INSERT INTO jobs (queue, job_id, name, data, opts, state, seq, timestamp) VALUES (?, ?, 'n', '{}', '{}', ?, ?, 0)`,
              ).run(op.queue, String(next), op.state, next++);
              continue;
            }
            const all = ids();
            if (all.length === 0) continue;
            const id = all[op.pick % all.length];
            if (op.kind === 'move') db.prepare('UPDATE jobs SET state = ? WHERE id = ?').run(op.state, id);
            else db.prepare('DELETE FROM jobs WHERE id = ?').run(id);
          }
          const real = db
            .prepare(`SELECT queue, state, count(*) AS count FROM jobs WHERE state IN ('completed', 'failed') GROUP BY queue, state ORDER BY queue, state`)
            .all();
          const kept = db.prepare('SELECT queue, state, count FROM finished_counts WHERE count > 0 ORDER BY queue, state').all();
          expect(kept).toEqual(real);
          expect(db.prepare('SELECT count(*) FROM finished_counts WHERE count < 0').pluck().get()).toBe(0);
        } finally {
          db.close();
        }
      }),
      { numRuns: 150 },
    );
  });
});
