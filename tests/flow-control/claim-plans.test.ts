import { describe, expect, it } from 'vitest';
import type { Statement } from 'better-sqlite3';
import { openSqliteDatabase } from '../../src_refactored/infrastructure/persistence/drizzle/sqlite-database.js';
import { SqliteJobRepository } from '../../src_refactored/infrastructure/persistence/drizzle/sqlite-job-repository.js';
import { SqliteFlowControlRepository } from '../../src_refactored/infrastructure/persistence/drizzle/sqlite-flow-control-repository.js';

/** The prepared statements of one SQL collaborator, read from its private map (plans only, no behaviour). */
function statements(owner: unknown, name: string): Statement {
  const stmt = (owner as { s: Record<string, Statement> }).s[name];
  if (stmt === undefined) throw new Error(`no statement ${name}`);
  return stmt;
}

function planOf(db: ReturnType<typeof openSqliteDatabase>, stmt: Statement): string {
  const named = Object.fromEntries([...stmt.source.matchAll(/@(\w+)/g)].map((m) => [m[1], null]));
  const positional = [...stmt.source.matchAll(/\?/g)].map(() => null);
  const explain = db.prepare(`EXPLAIN QUERY PLAN ${stmt.source}`);
  const rows = (positional.length > 0 ? explain.all(...positional) : explain.all(named)) as { detail: string }[];
  const plan = rows.map((r) => r.detail).join('\n');
  if (process.env.SHOW_PLANS) console.log(plan);
  return plan;
}

describe('claim query plans', () => {
  const db = openSqliteDatabase(':memory:');
  const repo = new SqliteJobRepository(db) as unknown as Record<string, unknown>;
  const lifecycle = repo.lifecycle;
  const claimer = repo.claimer as Record<string, unknown>;
  const groups = claimer.groups;

  it('keeps the plain claim on the ready index, in index order (no sort)', () => {
    const plan = planOf(db, statements(lifecycle, 'claim'));
    expect(plan).toContain('jobs_ready');
    expect(plan).not.toContain('TEMP B-TREE');
  });

  it('reads the queue row by primary key before deciding the path', () => {
    const plan = planOf(db, statements(claimer, 'limits'));
    expect(plan).toMatch(/SEARCH queues USING INDEX sqlite_autoindex_queues_1 \(name=\?\)/);
    expect(plan).toMatch(/group_rotation/);
    expect(plan).not.toContain('TEMP B-TREE');
  });

  it('counts active jobs and picks groups through the partial indexes, without sorting', () => {
    // Any index that starts (queue, state…) or (queue, group_id) over active jobs bounds the count to them,
    // and so does a seek by queue in jobs_active_queue (partial: it holds active jobs only).
    const ACTIVE_SEEK = /SEARCH (jobs|a) USING (COVERING )?INDEX (\w+ \(queue=\? AND (state|group_id)=\?|jobs_active_queue \(queue=\?\))/;
    expect(planOf(db, statements(claimer, 'active'))).toMatch(ACTIVE_SEEK);
    // Each step of the walk over ready groups is one seek in jobs_ready_group; nothing is sorted.
    const pick = planOf(db, statements(groups, 'candidates'));
    expect(pick).toMatch(/SEARCH jobs USING (COVERING )?INDEX jobs_ready_group \(queue=\? AND group_id>\?\)/);
    expect(pick).toMatch(ACTIVE_SEEK);
    expect(pick).not.toMatch(/TEMP B-TREE|SCAN jobs/);
    expect(planOf(db, statements(groups, 'groupHead'))).toMatch(/jobs_ready_group \(queue=\? AND group_id=\?\)/);
    const ungrouped = planOf(db, statements(groups, 'ungroupedHead'));
    expect(ungrouped).toContain('jobs_ready (queue=?)');
    expect(ungrouped).not.toContain('TEMP B-TREE');
    // The picked head is read, then locked, by its row id.
    const readyRow = planOf(db, statements(groups, 'readyRow'));
    expect(readyRow).toContain('INTEGER PRIMARY KEY');
    expect(planOf(db, statements(groups, 'lock'))).toContain('INTEGER PRIMARY KEY');
  });

  it('reads cancel requests through an index over the queue\'s active jobs only', () => {
    const control = new SqliteFlowControlRepository(db);
    const plan = planOf(db, statements(control, 'cancelRequests'));
    expect(plan).toMatch(/SEARCH jobs USING (COVERING )?INDEX \w+ \(queue=\? AND state=\?\)|jobs_active_queue \(queue=\?\)/);
    expect(plan).not.toContain('SCAN');
  });
});
