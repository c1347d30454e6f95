import { describe, expect, it } from 'vitest';
import { openSqliteDatabase } from '../../src_refactored/infrastructure/persistence/drizzle/sqlite-database.js';
import { CLAIM_SQL, PLAIN_CLAIM_SQL, claimArgs } from '../../src_refactored/infrastructure/persistence/drizzle/sqlite-job-lifecycle.js';
import { LOCK_CLAIMED_SQL } from '../../src_refactored/infrastructure/persistence/drizzle/sqlite-claim-lock.js';
import { SqliteJobRepository } from '../../src_refactored/infrastructure/persistence/drizzle/sqlite-job-repository.js';

describe('the claim query', () => {
  it.each([
    ['the claim after the limits check', CLAIM_SQL, false],
    ['the plain claim', PLAIN_CLAIM_SQL, true],
  ])('%s walks the ready index in order: no table scan, no sort', async (_name, sql, plain) => {
    const db = openSqliteDatabase(':memory:');
    const repo = new SqliteJobRepository(db);
    // Mixed states and queues so the planner has something to choose between; ANALYZE gives it statistics.
    const base = { name: 'n', dataJson: '{}', opts: {}, lifo: false, maxAttempts: 1 };
    await repo.insert(
      Array.from({ length: 2000 }, (_, i) => ({ ...base, queue: i % 3 === 0 ? 'other' : 'q', priority: i % 5, delay: i % 7 === 0 ? 1000 : 0 })),
      1,
    );
    db.exec('ANALYZE');
    const plan = db
      .prepare(`EXPLAIN QUERY PLAN ${sql}`)
      .all(claimArgs({ queue: 'q', token: 't', limit: 10, lockMs: 1, workerName: null }, 1, plain)) as { detail: string }[];
    const details = plan.map((p) => p.detail).join('\n');
    expect(details).toMatch(/SEARCH jobs USING INDEX jobs_ready \(queue=\?\)/);
    expect(details).not.toMatch(/TEMP B-TREE/);
    expect(details).not.toMatch(/SCAN jobs/);
    db.close();
  });

  it('locks the picked job by its row id', () => {
    const db = openSqliteDatabase(':memory:');
    const plan = db.prepare(`EXPLAIN QUERY PLAN ${LOCK_CLAIMED_SQL}`).all('t', 1, 1, null, 1) as { detail: string }[];
    expect(plan.map((p) => p.detail)).toEqual([expect.stringMatching(/^SEARCH jobs USING INTEGER PRIMARY KEY \(rowid=\?\)$/)]);
    db.close();
  });
});
