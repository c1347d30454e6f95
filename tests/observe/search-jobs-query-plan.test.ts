import { afterEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { createQueueEngine, type QueueEngine } from '../../src_refactored/index.js';
import { SqliteJobSearch } from '../../src_refactored/infrastructure/persistence/drizzle/sqlite-job-search.js';
import { tempDir } from '../support/engine-fixture.js';

/** SQLite's query plans for searchJobs (split from search-jobs.test.ts, which runs on every backend). */
describe('queue.searchJobs on SQLite', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('reads each page through an index, with no sort (EXPLAIN QUERY PLAN)', async () => {
    const temp = tempDir();
    const path = join(temp.dir, 'plan.db');
    const engine: QueueEngine = await createQueueEngine({ path });
    await engine.close();
    const db = new Database(path);
    cleanups.push(temp.cleanup, () => void db.close());
    const statements: string[] = [];
    const spy = new Proxy(db, {
      get: (target, prop) => (prop === 'prepare' ? (sql: string) => (statements.push(sql), target.prepare(sql)) : Reflect.get(target, prop)),
    });
    const search = new SqliteJobSearch(spy as typeof db);
    const base = { queue: 'q', states: ['failed' as const], data: [], limit: 50 };
    await search.search({ ...base, order: 'desc' });
    await search.search({ ...base, order: 'asc', name: 'x', after: { timestamp: 5, row: 9 } });
    await search.search({ ...base, order: 'desc', data: [{ path: '$.a', op: 'eq', value: 1 }] });
    await search.count({ ...base, name: 'x' });
    await search.search({ ...base, states: ['active'], order: 'desc' });
    expect(statements).toHaveLength(5);
    const plans = statements.map((sql) => {
      const params = (sql.match(/\?/g) ?? []).map(() => 1);
      return db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params).map((r) => (r as { detail: string }).detail).join(' | ');
    });
    expect(plans[0]).toMatch(/USING INDEX jobs_search \(queue=\? AND state=\? AND timestamp>\? AND timestamp<\?\)/);
    expect(plans[1]).toMatch(/USING INDEX jobs_search_name \(queue=\? AND state=\? AND name=\?/);
    expect(plans[2]).toMatch(/USING INDEX jobs_search /);
    expect(plans[3]).toMatch(/USING COVERING INDEX jobs_search_name/);
    for (const plan of plans.slice(0, 4)) expect(plan).not.toMatch(/TEMP B-TREE|SCAN jobs(?! USING)/);
    // Active jobs are not in the search indexes (every job passes through active: 4 index writes each);
    // their own partial index holds at most the workers' total concurrency, sorted per page.
    expect(plans[4]).toMatch(/USING INDEX jobs_active_queue \(queue=\?\)/);
    expect(plans[4]).not.toMatch(/SCAN jobs(?! USING)/);
  });
});
