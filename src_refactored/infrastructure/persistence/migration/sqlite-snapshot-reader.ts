import { quoteIdent } from '../postgres/node-postgres-connection.js';
import Database from 'better-sqlite3';
import type { CopyTable } from './copy-plan.js';
import { MigrationSourceError } from './migration-errors.js';
import { EVENT_BATCH_COLUMNS } from '../../events/sqlite-event-batch.mapper.js';
import { JOB_DATA } from '../drizzle/sql-fragments.js';

/**
 * Reads a bullite SQLite file for the migration: opened read-only (the source is never changed, and a
 * store file another process is writing is read safely), inside one read transaction so that every
 * table is read at the same instant even if an engine is still writing the file (WAL keeps the snapshot).
 * Tables are read in pages by rowid (one index seek per page), never with a long-lived iterator: the
 * copy awaits PostgreSQL between pages, and better-sqlite3 refuses other statements while one iterates.
 */
export class SqliteSnapshotReader {
  private readonly db: Database.Database;
  private readonly pageStatements = new Map<string, Database.Statement>();

  constructor(readonly path: string) {
    this.db = new Database(path, { readonly: true, fileMustExist: true });
    // A read snapshot on a read-only connection (no write transaction, no callback): it ends in close().
    this.db.exec('BEGIN');
  }

  /** Refuses a file that lacks a table or column of the current schema (written by an older bullite). */
  assertSchema(plan: readonly CopyTable[]): void {
    const needs: [table: string, columns: string[]][] = plan.map((t) => [
      t.name,
      t.name === 'events' ? EVENT_BATCH_COLUMNS.split(', ') : t.columns.map((c) => c.name),
    ]);
    // Read with jobs (JOB_DATA), not copied as a table of its own.
    needs.push(['job_payloads', ['id', 'data']]);
    for (const [table, needed] of needs) {
      const present = new Set(this.db.prepare<[string], { name: string }>('SELECT name FROM pragma_table_info(?)').all(table).map((c) => c.name));
      const missing = needed.filter((name) => !present.has(name));
      if (present.size === 0 || missing.length > 0) {
        const what = present.size === 0 ? `has no ${table} table` : `lacks ${table}.${missing.join(', ')}`;
        throw new MigrationSourceError(
          `${this.path} ${what}: an older bullite wrote it. Open it once with this version (that migrates it), then run migrate again.`,
        );
      }
    }
  }

  /** Rows the copy writes: for `events`, one per event (SQLite stores them in batches). */
  count(table: string): number {
    const sql = table === 'events' ? 'SELECT coalesce(sum(count), 0) AS n FROM events' : `SELECT count(*) AS n FROM ${quoteIdent(table)}`;
    return (this.db.prepare(sql).get() as { n: number }).n;
  }

  /** Every queue name the store mentions; --append refuses to merge into a target that has one of them. */
  queueNames(): string[] {
    const rows = this.db
      .prepare<[], { q: string }>(
        `SELECT name AS q FROM queues UNION SELECT DISTINCT queue FROM jobs UNION SELECT queue FROM job_schedulers
         UNION SELECT DISTINCT queue FROM events UNION SELECT queue FROM metrics`,
      )
      .all();
    return rows.map((r) => r.q);
  }

  /**
   * Up to `limit` rows of the table after rowid `after`, in rowid order, each an array in the plan's column
   * order; `last` is the rowid to continue from.
   */
  page(table: CopyTable, after: number, limit: number): { rows: unknown[][]; last: number } {
    let statement = this.pageStatements.get(table.name);
    if (statement === undefined) {
      statement = this.db.prepare(table.name === 'events' ? eventsPage(table) : tablePage(table)).raw(true);
      this.pageStatements.set(table.name, statement);
    }
    const rows = statement.all({ after, limit }) as unknown[][];
    let last = after;
    for (const row of rows) last = row.pop() as number;
    return { rows, last };
  }

  close(): void {
    if (this.db.inTransaction) this.db.exec('COMMIT');
    this.db.close();
  }
}

/** rowid last, so it comes off each row with pop(). A job's data is read wherever it is stored (JOB_DATA). */
function tablePage(table: CopyTable): string {
  const column = (name: string) => (table.name === 'jobs' && name === 'data' ? `${JOB_DATA} AS data` : quoteIdent(name));
  const selectList = table.columns.map((c) => column(c.name)).join(', ');
  return `SELECT ${selectList}, rowid FROM ${quoteIdent(table.name)} WHERE rowid > @after ORDER BY rowid LIMIT @limit`;
}

/**
 * The SQLite `events` table holds batches (events.table.ts): event id + i is the i-th element of the row
 * with id `id`. PostgreSQL keeps one row per event, so each batch is expanded here with the same ids (a
 * reader resuming from a lastEventId read before the migration goes on where it was). The page key is
 * the event id; the first row read is the batch holding the event after `after`.
 */
function eventsPage(table: CopyTable): string {
  const selectList = table.columns.map((c) => `${EVENT_FIELDS[c.name] ?? 'NULL'} AS ${quoteIdent(c.name)}`).join(', ');
  return `SELECT ${selectList}, e.id + j.key FROM events e, json_each(e.batch) j
          WHERE e.id >= coalesce((SELECT max(id) FROM events WHERE id <= @after), 0) AND e.id + j.key > @after
          ORDER BY e.id, j.key LIMIT @limit`;
}

/** Each PostgreSQL `events` column as an expression over a batch row `e` and its element `j`. */
const EVENT_FIELDS: Record<string, string> = {
  id: 'e.id + j.key',
  queue: 'e.queue',
  event: 'j.value ->> 0',
  job_id: 'j.value ->> 1',
  // A plain store keeps the payload as a JSON object, an encrypted one as its encrypted text: PostgreSQL
  // stores that text either way (the payload column of one event per row).
  payload: "CASE json_type(j.value, '$[2]') WHEN 'text' THEN j.value ->> 2 ELSE j.value -> 2 END",
  timestamp: 'j.value ->> 3',
};
