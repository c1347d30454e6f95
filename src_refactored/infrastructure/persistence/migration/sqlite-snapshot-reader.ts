import { quoteIdent } from '../postgres/node-postgres-connection.js';
import Database from 'better-sqlite3';
import type { CopyTable } from './copy-plan.js';
import { MigrationSourceError } from './migration-errors.js';

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
    for (const table of plan) {
      const present = new Set(this.db.prepare<[string], { name: string }>('SELECT name FROM pragma_table_info(?)').all(table.name).map((c) => c.name));
      const missing = table.columns.filter((c) => !present.has(c.name)).map((c) => c.name);
      if (present.size === 0 || missing.length > 0) {
        const what = present.size === 0 ? `has no ${table.name} table` : `lacks ${table.name}.${missing.join(', ')}`;
        throw new MigrationSourceError(
          `${this.path} ${what}: an older bullite wrote it. Open it once with this version (that migrates it), then run migrate again.`,
        );
      }
    }
  }

  count(table: string): number {
    return (this.db.prepare(`SELECT count(*) AS n FROM ${quoteIdent(table)}`).get() as { n: number }).n;
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
      const selectList = table.columns.map((c) => quoteIdent(c.name)).join(', ');
      // rowid last, so it comes off each row with pop().
      statement = this.db.prepare(`SELECT ${selectList}, rowid FROM ${quoteIdent(table.name)} WHERE rowid > ? ORDER BY rowid LIMIT ?`).raw(true);
      this.pageStatements.set(table.name, statement);
    }
    const rows = statement.all(after, limit) as unknown[][];
    let last = after;
    for (const row of rows) last = row.pop() as number;
    return { rows, last };
  }

  close(): void {
    if (this.db.inTransaction) this.db.exec('COMMIT');
    this.db.close();
  }
}
