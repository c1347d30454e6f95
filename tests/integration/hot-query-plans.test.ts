import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openSqliteDatabase, type SqliteDb } from '../../src_refactored/infrastructure/persistence/drizzle/sqlite-database.js';
import { SqliteJobLifecycle } from '../../src_refactored/infrastructure/persistence/drizzle/sqlite-job-lifecycle.js';
import { SqliteQueueCounters } from '../../src_refactored/infrastructure/persistence/drizzle/sqlite-queue-counters.js';
import { plainCodec } from '../../src_refactored/infrastructure/persistence/codec/payload-codec.js';
import { SqliteMetricsRecorder } from '../../src_refactored/infrastructure/persistence/drizzle/sqlite-metrics-recorder.js';

type Statement = { source: string; reader: boolean };

/** EXPLAIN QUERY PLAN of a prepared statement, every parameter (named or positional) bound to a placeholder value. */
function planOf(db: SqliteDb, statement: Statement): string[] {
  const names = new Set([...statement.source.matchAll(/@(\w+)/g)].map((m) => m[1]));
  const positional = new Array<number>((statement.source.match(/\?/g) ?? []).length).fill(1);
  const args = names.size > 0 ? [...positional, Object.fromEntries([...names].map((n) => [n, 1]))] : positional;
  return db
    .prepare<unknown[], { detail: string }>(`EXPLAIN QUERY PLAN ${statement.source}`)
    .all(...args)
    .map((row) => row.detail);
}

/**
 * The worker hot path must stay index-driven whatever the size of the store (DESIGN.md §2: an ORDER BY
 * off the index made every claim sort all waiting rows, 13x slower). These plans are what makes W6
 * (W3 beside a million stored jobs) as fast as W3.
 */
describe('hot-path query plans', () => {
  let db: SqliteDb;
  let statements: Record<string, Statement>;
  beforeEach(() => {
    db = openSqliteDatabase(':memory:');
    const lifecycle = new SqliteJobLifecycle(db, new SqliteQueueCounters(db), plainCodec, SqliteMetricsRecorder.of(db));
    // The lifecycle's prepared statements (private by design; the test reads their SQL text).
    statements = (lifecycle as unknown as { s: Record<string, Statement> }).s;
  });
  afterEach(() => db.close());

  it.each(['claim', 'plainClaim'])('the %s walks the ready index in order: no scan, no sort', (name) => {
    const plan = planOf(db, statements[name]);
    expect(plan.some((d) => d.includes('USING INDEX jobs_ready') || d.includes('USING COVERING INDEX jobs_ready'))).toBe(true);
    expect(plan.filter((d) => d.includes('TEMP B-TREE'))).toEqual([]);
    expect(plan.filter((d) => /SCAN jobs\b/.test(d))).toEqual([]);
  });

  it('no hot statement scans the jobs table or sorts in a temp b-tree', () => {
    expect(Object.keys(statements).length).toBeGreaterThan(5);
    for (const [name, statement] of Object.entries(statements)) {
      const bad = planOf(db, statement).filter((d) => d.includes('TEMP B-TREE') || /SCAN jobs\b/.test(d));
      expect({ name, bad }).toEqual({ name, bad: [] });
    }
  });
});
