import type { SqliteDb } from './sqlite-database.js';

/**
 * For this long (wall ms) after another connection last committed to the file, a worker's steps are
 * committed one by one instead of held (sqlite-held-transaction.ts). A held transaction keeps the write
 * lock ~2 ms at a time with only a turn's gap between two, and SQLite's busy handler, which retries
 * after 1, 2, 5 … ms, rarely hits that gap: four worker processes of quick jobs on one file shared
 * them 0/0/99/0 % (W7) with holds, 33/28/12/27 % without.
 */
const SHARED_FOR_MS = 1000;

const byDb = new WeakMap<SqliteDb, OtherWriters>();

/** Whether another connection (process, or engine of this process) writes to the same file lately. */
export class OtherWriters {
  private readonly version: { get(): unknown };
  private last: unknown;
  private seenAt = Number.NEGATIVE_INFINITY;

  private constructor(db: SqliteDb) {
    // Changes when another connection commits; this connection's own commits leave it alone.
    this.version = db.prepare('PRAGMA data_version').pluck();
    this.last = this.version.get();
  }

  static of(db: SqliteDb): OtherWriters {
    let writers = byDb.get(db);
    if (writers === undefined) {
      writers = new OtherWriters(db);
      byDb.set(db, writers);
    }
    return writers;
  }

  /** One `PRAGMA data_version` read (~1 µs), once per held transaction a worker would open. */
  lately(): boolean {
    const version = this.version.get();
    if (version !== this.last) {
      this.last = version;
      this.seenAt = performance.now();
    }
    return performance.now() - this.seenAt < SHARED_FOR_MS;
  }
}
